using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using AgentRetrieval.Embeddings;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AgentRetrieval.Onnx.Clip;

/// <summary>
/// A CLIP model in the public ONNX layout, run in-process by ONNX Runtime: separate text and vision towers or the
/// combined export, float32, uint8-quantized or float16 (fed and read in the element types the graph declares).
/// </summary>
/// <remarks>Thread-safe: ONNX Runtime sessions may run concurrently; the object owns its sessions.</remarks>
public sealed class ClipModel : IDisposable
{
    private readonly InferenceSession? _text;
    private readonly ClipTokenizer? _tokenizer;
    // The vision tower loads on first use: a text search never pays for it (start-up time and memory).
    private readonly Lazy<(InferenceSession Session, string Output)>? _vision;
    private readonly InferenceSession? _combined;
    private readonly string _textOutput;
    private readonly string? _combinedImageOutput;

    // Dynamically quantized graphs choose activation scales over the whole input tensor, so padding and batch
    // companions change the result. For them text is padded to the full length (as the reference ran it) and
    // images run one at a time, so that a vector never depends on what else was in the batch.
    private readonly bool _dynamicQuantization;

    private ClipModel(ClipModelFiles files, ClipModelOptions options)
    {
        Files = files;
        _dynamicQuantization = options.Variant == "quantized";
        if (options.VisionOnly && files.CombinedModel is not null)
        {
            throw new InvalidDataException("A combined model cannot be loaded for images only; it needs the separate towers (onnx/vision_model.onnx).");
        }

        _tokenizer = options.VisionOnly ? null : ClipTokenizer.FromDirectory(files.Directory);
        Preprocessor = new ClipImagePreprocessor(ClipImageProcessorConfig.Load(Path.Combine(files.Directory, "preprocessor_config.json")), options.MaxPixels, options.ScaledDecode);
        SessionOptions NewSessionOptions()
        {
            var o = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                IntraOpNumThreads = options.IntraOpThreads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            };
            // Denormal numbers are flushed to zero: a graph whose activations fall into them runs many times slower on a
            // CPU (measured: a ViT-B/32 at 9 images/s with them, 20 without), and values below 1e-38 change no embedding.
            o.AddSessionConfigEntry("session.set_denormal_as_zero", "1");
            // Idle inference threads sleep instead of spinning, leaving the cores to the indexer's decoding threads.
            o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            return o;
        }
        using SessionOptions sessionOptions = NewSessionOptions();
        try
        {
            if (files.CombinedModel is not null)
            {
                _combined = Open(files.CombinedModel, sessionOptions);
                _textOutput = OutputName(_combined, "text_embeds");
                _combinedImageOutput = OutputName(_combined, "image_embeds");
            }
            else
            {
                _text = options.VisionOnly ? null : Open(files.TextModel!, sessionOptions);
                _textOutput = _text is null ? "" : OutputName(_text, "text_embeds");
                string visionPath = files.VisionModel!;
                _vision = new(() =>
                {
                    using SessionOptions visionOptions = NewSessionOptions();
                    InferenceSession vision = Open(visionPath, visionOptions);
                    try
                    {
                        return (vision, OutputName(vision, "image_embeds"));
                    }
                    catch
                    {
                        vision.Dispose();
                        throw;
                    }
                }, LazyThreadSafetyMode.ExecutionAndPublication);
            }
        }
        catch
        {
            _text?.Dispose();
            _combined?.Dispose();
            throw;
        }

        Dimensions = options.VisionOnly
            ? (int)VisionSession.OutputMetadata[_vision!.Value.Output].Dimensions[^1]
            : ReadProjectionDim(files.Directory) ?? (int)TextSession.OutputMetadata[_textOutput].Dimensions[^1];
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in files.OnnxFiles.Append(Path.Combine(files.Directory, "preprocessor_config.json")))
        {
            hashes[Path.GetRelativePath(files.Directory, file).Replace('\\', '/')] = FileHashes.Sha256(file);
        }

        string variant = options.Variant is "" or "full" ? "" : "-" + options.Variant;
        Identity = new ModelIdentity(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(files.Directory))) + variant,
            Dimensions, FileHashes.Fingerprint(hashes), hashes);
    }

    /// <summary>The files in use.</summary>
    public ClipModelFiles Files { get; }

    /// <summary>The tokenizer.</summary>
    /// <exception cref="InvalidOperationException">The model was loaded for images only.</exception>
    public ClipTokenizer Tokenizer => _tokenizer ?? throw new InvalidOperationException("This model was loaded for images only (VisionOnly): it cannot encode text.");

    /// <summary>The image preprocessing.</summary>
    public ClipImagePreprocessor Preprocessor { get; }

    /// <summary>The embedding size (the projection dimension).</summary>
    public int Dimensions { get; }

    /// <summary>The model's identity: folder name, variant, and a fingerprint of its ONNX files and preprocessing settings.</summary>
    public ModelIdentity Identity { get; }

    /// <summary>The session that runs text (the text tower or the combined model); reachable for advanced use.</summary>
    public InferenceSession TextSession => _text ?? _combined!;

    /// <summary>The session that runs images (the vision tower or the combined model).</summary>
    public InferenceSession VisionSession => _vision?.Value.Session ?? _combined!;

    /// <summary>Loads a CLIP model folder.</summary>
    /// <param name="options">Where it is and which variant.</param>
    /// <returns>The loaded model; the caller disposes it.</returns>
    /// <exception cref="FileNotFoundException">A needed file is missing (the message says which files are expected).</exception>
    /// <exception cref="InvalidDataException">A file is not a valid model, tokenizer or configuration file.</exception>
    public static ClipModel Load(ClipModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ClipModelFiles files = ClipModelFiles.Locate(options.ModelDirectory, options.Variant, options.PreferCombined);
        return new ClipModel(files, options);
    }

    /// <summary>Runs the text tower on token ids (each padded here to the batch's longest) and returns the raw projections.</summary>
    /// <param name="ids">Token sequences with start and end tokens.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>One unnormalised embedding per sequence.</returns>
    public float[][] RunText(IReadOnlyList<int[]> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }

        if (_dynamicQuantization && ids.Count > 1)
        {
            return [.. ids.Select(x => RunText([x], cancellationToken)[0])];
        }

        int batch = ids.Count;
        int seq = _dynamicQuantization ? Math.Max(Tokenizer.MaxLength, ids.Max(x => x.Length)) : ids.Max(x => x.Length);
        long[] inputIds = new long[batch * seq];
        long[] mask = new long[batch * seq];
        for (int i = 0; i < batch; i++)
        {
            for (int j = 0; j < seq; j++)
            {
                bool real = j < ids[i].Length;
                inputIds[(i * seq) + j] = real ? ids[i][j] : Tokenizer.EndOfTextId;
                mask[(i * seq) + j] = real ? 1 : 0;
            }
        }

        InferenceSession session = TextSession;
        var inputs = new List<(string, OrtValue)>();
        try
        {
            inputs.Add(("input_ids", IntTensor(session, "input_ids", inputIds, [batch, seq])));
            if (session.InputMetadata.ContainsKey("attention_mask"))
            {
                inputs.Add(("attention_mask", IntTensor(session, "attention_mask", mask, [batch, seq])));
            }

            if (session.InputMetadata.ContainsKey("pixel_values"))
            {
                inputs.Add(("pixel_values", FloatTensor(session, "pixel_values", new float[Preprocessor.TensorLength], [1, 3, Preprocessor.Height, Preprocessor.Width])));
            }

            return Run(session, inputs, _textOutput, batch, cancellationToken);
        }
        finally
        {
            foreach ((_, OrtValue v) in inputs)
            {
                v.Dispose();
            }
        }
    }

    /// <summary>Runs the vision tower on preprocessed pixels and returns the raw projections.</summary>
    /// <param name="pixels"><paramref name="count"/> × 3 × height × width floats, channel-major.</param>
    /// <param name="count">The number of images.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>One unnormalised embedding per image.</returns>
    public float[][] RunVision(float[] pixels, int count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (count == 0)
        {
            return [];
        }

        if (pixels.Length != count * Preprocessor.TensorLength)
        {
            throw new ArgumentException($"Expected {count} × {Preprocessor.TensorLength} floats.", nameof(pixels));
        }

        if (_dynamicQuantization && count > 1)
        {
            int length = Preprocessor.TensorLength;
            return [.. Enumerable.Range(0, count).Select(i => RunVision(pixels.AsSpan(i * length, length).ToArray(), 1, cancellationToken)[0])];
        }

        InferenceSession session = VisionSession;
        var inputs = new List<(string, OrtValue)>();
        try
        {
            inputs.Add(("pixel_values", FloatTensor(session, "pixel_values", pixels, [count, 3, Preprocessor.Height, Preprocessor.Width])));
            if (session.InputMetadata.ContainsKey("input_ids"))
            {
                long[] dummy = [Tokenizer.StartOfTextId, Tokenizer.EndOfTextId];
                inputs.Add(("input_ids", IntTensor(session, "input_ids", dummy, [1, 2])));
                if (session.InputMetadata.ContainsKey("attention_mask"))
                {
                    inputs.Add(("attention_mask", IntTensor(session, "attention_mask", [1, 1], [1, 2])));
                }
            }

            return Run(session, inputs, _vision?.Value.Output ?? _combinedImageOutput!, count, cancellationToken);
        }
        finally
        {
            foreach ((_, OrtValue v) in inputs)
            {
                v.Dispose();
            }
        }
    }

    /// <summary>Scales each vector to unit length in place (a zero vector stays zero).</summary>
    /// <param name="vector">The vector.</param>
    public static void Normalize(Span<float> vector)
    {
        float norm = TensorPrimitives.Norm(vector);
        if (norm > 0 && float.IsFinite(norm))
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }

    /// <summary>Scales a vector to unit length and returns it.</summary>
    /// <param name="vector">The vector; changed in place.</param>
    /// <returns>The same array.</returns>
    public static float[] NormalizeCopy(float[] vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        Normalize(vector);
        return vector;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _text?.Dispose();
        if (_vision is { IsValueCreated: true })
        {
            _vision.Value.Session.Dispose();
        }

        _combined?.Dispose();
    }

    private static float[][] Run(InferenceSession session, List<(string Name, OrtValue Value)> inputs, string output, int batch, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var runOptions = new RunOptions();
        using CancellationTokenRegistration registration = cancellationToken.Register(static s => ((RunOptions)s!).Terminate = true, runOptions);
        IDisposableReadOnlyCollection<OrtValue> results;
        try
        {
            results = session.Run(runOptions, inputs.Select(i => i.Name).ToArray(), inputs.Select(i => i.Value).ToArray(), [output]);
        }
        catch (OnnxRuntimeException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }

        using (results)
        {
            OrtValue value = results[0];
            OrtTensorTypeAndShapeInfo info = value.GetTensorTypeAndShape();
            int dim = (int)info.Shape[^1];
            float[] flat = info.ElementDataType switch
            {
                TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray(),
                TensorElementType.Float16 => ToFloats(MemoryMarshal.Cast<Float16, Half>(value.GetTensorDataAsSpan<Float16>())),
                _ => throw new InvalidDataException($"The model's output '{output}' has element type {info.ElementDataType}; expected float or float16."),
            };
            if (flat.Length != batch * dim)
            {
                throw new InvalidDataException($"The model's output '{output}' has {flat.Length} values for a batch of {batch}.");
            }

            var vectors = new float[batch][];
            for (int i = 0; i < batch; i++)
            {
                vectors[i] = flat.AsSpan(i * dim, dim).ToArray();
            }

            return vectors;
        }
    }

    private static float[] ToFloats(ReadOnlySpan<Half> halves)
    {
        float[] result = new float[halves.Length];
        TensorPrimitives.ConvertToSingle(halves, result);
        return result;
    }

    private static OrtValue IntTensor(InferenceSession session, string name, long[] data, long[] shape)
    {
        TensorElementType type = session.InputMetadata[name].ElementDataType;
        return type switch
        {
            TensorElementType.Int64 => OrtValue.CreateTensorValueFromMemory(data, shape),
            TensorElementType.Int32 => OrtValue.CreateTensorValueFromMemory(data.Select(x => (int)x).ToArray(), shape),
            _ => throw new InvalidDataException($"The model's input '{name}' has element type {type}; expected int64 or int32."),
        };
    }

    private static OrtValue FloatTensor(InferenceSession session, string name, float[] data, long[] shape)
    {
        TensorElementType type = session.InputMetadata[name].ElementDataType;
        switch (type)
        {
            case TensorElementType.Float:
                return OrtValue.CreateTensorValueFromMemory(data, shape);
            case TensorElementType.Float16:
                var halves = new Half[data.Length];
                TensorPrimitives.ConvertToHalf(data, halves);
                Float16[] f16 = MemoryMarshal.Cast<Half, Float16>(halves).ToArray();
                return OrtValue.CreateTensorValueFromMemory(f16, shape);
            default:
                throw new InvalidDataException($"The model's input '{name}' has element type {type}; expected float or float16.");
        }
    }

    private static InferenceSession Open(string path, SessionOptions options)
    {
        try
        {
            return new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidDataException($"'{path}' is not a valid ONNX model ({ex.Message.Split('\n')[0]}). Re-download it with 'agentretrieval models pull'.", ex);
        }
    }

    private static string OutputName(InferenceSession session, string preferred)
    {
        if (session.OutputMetadata.ContainsKey(preferred))
        {
            return preferred;
        }

        return session.OutputMetadata.FirstOrDefault(o => o.Value.Dimensions.Length == 2).Key
            ?? throw new InvalidDataException($"The model has no '{preferred}' output (outputs: {string.Join(", ", session.OutputMetadata.Keys)}).");
    }

    private static int? ReadProjectionDim(string directory)
    {
        string path = Path.Combine(directory, "config.json");
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.TryGetProperty("projection_dim", out JsonElement e) && e.TryGetInt32(out int d) ? d : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
