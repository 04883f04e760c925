using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text.Json;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Onnx.Encoders;
using AgentRetrieval.Onnx.Encoders.Layouts;
using AgentRetrieval.Onnx.Encoders.Tokenization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AgentRetrieval.Onnx.Clip;

/// <summary>
/// A dual-encoder retrieval model run in-process by ONNX Runtime: CLIP, SigLIP / SigLIP 2 or multilingual M-CLIP, in the
/// transformers.js layout (separate towers or the combined export; float32, uint8-quantized or float16, fed and read in
/// the element types the graph declares) or in Immich's layout (towers with a fixed batch of one). Text and images are
/// prepared exactly as each layout's reference implementation prepares them.
/// </summary>
/// <remarks>Thread-safe: ONNX Runtime sessions may run concurrently; the object owns its sessions.</remarks>
public sealed class ClipModel : IDisposable
{
    private readonly InferenceSession? _text;
    private readonly TextTokenizer? _tokenizer;
    private readonly string _textInput = "input_ids";
    private readonly bool _textBatchOfOne;
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

        ClipImageProcessorConfig imageConfig = files.Layout == ModelLayout.Immich
            ? ClipImageProcessorConfig.LoadImmich(files.PreprocessFile)
            : ClipImageProcessorConfig.Load(files.PreprocessFile);
        Preprocessor = new ClipImagePreprocessor(imageConfig, options.MaxPixels, options.ScaledDecode);
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
                _textOutput = _text is null ? "" : OutputName(_text, "text_embeds", "embedding", "pooler_output");
                string visionPath = files.VisionModel!;
                _vision = new(() =>
                {
                    using SessionOptions visionOptions = NewSessionOptions();
                    InferenceSession vision = Open(visionPath, visionOptions);
                    try
                    {
                        return (vision, OutputName(vision, "image_embeds", "embedding", "pooler_output"));
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

        ModelFamily family = files.Family;
        if (_text is not null || _combined is not null)
        {
            InferenceSession textSession = TextSession;
            _textInput = textSession.InputMetadata.ContainsKey("input_ids") ? "input_ids"
                : textSession.InputMetadata.ContainsKey("text") ? "text"
                : throw new InvalidDataException($"The text model has no 'input_ids' or 'text' input (inputs: {string.Join(", ", textSession.InputMetadata.Keys)}).");
            _textBatchOfOne = textSession.InputMetadata[_textInput].Dimensions is [1, ..];
            if (files.Layout == ModelLayout.Immich && textSession.InputMetadata.ContainsKey("attention_mask"))
            {
                // Immich runs a text tower fed ids and a mask as M-CLIP (a Hugging Face encoder with a linear map).
                family = ModelFamily.MClip;
            }
        }

        Family = family;
        Layout = files.Layout;
        _tokenizer = options.VisionOnly ? null : LoadTokenizer(files, family, options);
        Calibration = family == ModelFamily.Siglip ? ReadCalibration(files.Directory, options) : null;
        Dimensions = options.VisionOnly
            ? (int)VisionSession.OutputMetadata[_vision!.Value.Output].Dimensions[^1]
            : ReadProjectionDim(files.Directory) ?? (int)TextSession.OutputMetadata[_textOutput].Dimensions[^1];
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in files.OnnxFiles.Concat(files.SettingsFiles).Distinct(StringComparer.Ordinal))
        {
            hashes[Path.GetRelativePath(files.Directory, file).Replace('\\', '/')] = FileHashes.Sha256(file);
        }

        string variant = options.Variant is "" or "full" ? "" : "-" + options.Variant;
        Identity = new ModelIdentity(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(files.Directory))) + variant,
            Dimensions, FileHashes.Fingerprint(hashes), hashes);
    }

    /// <summary>The files in use.</summary>
    public ClipModelFiles Files { get; }

    /// <summary>The text side: cleaning, tokenizer, padding, as the model receives text.</summary>
    /// <exception cref="InvalidOperationException">The model was loaded for images only.</exception>
    public TextTokenizer Tokenizer => _tokenizer ?? throw new InvalidOperationException("This model was loaded for images only (VisionOnly): it cannot encode text.");

    /// <summary>The model's family.</summary>
    public ModelFamily Family { get; }

    /// <summary>The folder's layout.</summary>
    public ModelLayout Layout { get; }

    /// <summary>The trained scale and bias that turn a similarity into a match probability (SigLIP), when recorded; else null.</summary>
    public ScoreCalibration? Calibration { get; }

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

    /// <summary>Runs the text tower on token ids with start and end tokens (each padded here to the batch's longest with the pad id) and returns the raw projections.</summary>
    /// <param name="ids">Token sequences with start and end tokens.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>One unnormalised embedding per sequence.</returns>
    public float[][] RunText(IReadOnlyList<int[]> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return RunText([.. ids.Select(x => new TokenizedText(x, Enumerable.Repeat(1, x.Length).ToArray(), false))], cancellationToken);
    }

    /// <summary>Runs the text tower on tokenized texts (as <see cref="Tokenizer"/> gives them) and returns the raw projections.</summary>
    /// <param name="texts">The tokenized texts.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>One unnormalised embedding per text.</returns>
    public float[][] RunText(IReadOnlyList<TokenizedText> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            return [];
        }

        if ((_dynamicQuantization || _textBatchOfOne) && texts.Count > 1)
        {
            return [.. texts.Select(x => RunText([x], cancellationToken)[0])];
        }

        int batch = texts.Count;
        int seq = _dynamicQuantization ? Math.Max(Tokenizer.MaxLength, texts.Max(x => x.Ids.Length)) : texts.Max(x => x.Ids.Length);
        long[] inputIds = new long[batch * seq];
        long[] mask = new long[batch * seq];
        for (int i = 0; i < batch; i++)
        {
            for (int j = 0; j < seq; j++)
            {
                bool real = j < texts[i].Ids.Length;
                inputIds[(i * seq) + j] = real ? texts[i].Ids[j] : Tokenizer.PadId;
                mask[(i * seq) + j] = real ? texts[i].AttentionMask[j] : 0;
            }
        }

        InferenceSession session = TextSession;
        var inputs = new List<(string, OrtValue)>();
        try
        {
            inputs.Add((_textInput, IntTensor(session, _textInput, inputIds, [batch, seq])));
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

        InferenceSession session = VisionSession;
        string pixelInput = session.InputMetadata.ContainsKey("pixel_values") ? "pixel_values" : session.InputMetadata.ContainsKey("image") ? "image"
            : throw new InvalidDataException($"The vision model has no 'pixel_values' or 'image' input (inputs: {string.Join(", ", session.InputMetadata.Keys)}).");
        if ((_dynamicQuantization || session.InputMetadata[pixelInput].Dimensions is [1, ..]) && count > 1)
        {
            int length = Preprocessor.TensorLength;
            return [.. Enumerable.Range(0, count).Select(i => RunVision(pixels.AsSpan(i * length, length).ToArray(), 1, cancellationToken)[0])];
        }

        var inputs = new List<(string, OrtValue)>();
        try
        {
            inputs.Add((pixelInput, FloatTensor(session, pixelInput, pixels, [count, 3, Preprocessor.Height, Preprocessor.Width])));
            if (session.InputMetadata.ContainsKey("input_ids"))
            {
                long[] dummy = [.. Tokenizer.Encode("").Ids.Take(2)];
                inputs.Add(("input_ids", IntTensor(session, "input_ids", dummy, [1, dummy.Length])));
                if (session.InputMetadata.ContainsKey("attention_mask"))
                {
                    inputs.Add(("attention_mask", IntTensor(session, "attention_mask", [.. dummy.Select(_ => 1L)], [1, dummy.Length])));
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

    private static string OutputName(InferenceSession session, params string[] preferred)
    {
        foreach (string name in preferred)
        {
            if (session.OutputMetadata.ContainsKey(name))
            {
                return name;
            }
        }

        return session.OutputMetadata.FirstOrDefault(o => o.Value.Dimensions.Length == 2).Key
            ?? throw new InvalidDataException($"The model has no '{preferred[0]}' output (outputs: {string.Join(", ", session.OutputMetadata.Keys)}).");
    }

    private static TextTokenizer LoadTokenizer(ClipModelFiles files, ModelFamily family, ClipModelOptions options)
    {
        if (files.Layout == ModelLayout.TransformersJs && family == ModelFamily.Clip)
        {
            return TextTokenizer.ForClip(ClipTokenizer.FromDirectory(files.Directory));
        }

        string directory = files.TokenizerDirectory;
        HfTokenizer tokenizer = HfTokenizer.FromFile(Path.Combine(directory, "tokenizer.json"));
        JsonElement? tokenizerConfig = ClipModelFiles.ReadJson(Path.Combine(directory, "tokenizer_config.json"));
        JsonElement? config = ClipModelFiles.ReadJson(Path.Combine(files.Directory, "config.json"));
        string? padToken = tokenizerConfig is { } tc && tc.TryGetProperty("pad_token", out JsonElement pt) ? TokenText(pt) : null;
        int padId = (padToken is null ? null : tokenizer.TokenToId(padToken)) ?? tokenizer.PadId;
        int length;
        TextCleaningMode cleaning;
        if (files.Layout == ModelLayout.Immich)
        {
            JsonElement? textConfig = config is { } c && c.TryGetProperty("text_cfg", out JsonElement t) ? t : null;
            length = textConfig is { } tcfg && tcfg.TryGetProperty("context_length", out JsonElement cl) ? cl.GetInt32() : 77;
            bool canonicalize = textConfig is { } k && k.TryGetProperty("tokenizer_kwargs", out JsonElement kw) &&
                kw.TryGetProperty("clean", out JsonElement clean) && clean.GetString() == "canonicalize";
            cleaning = canonicalize ? TextCleaningMode.Canonicalize : TextCleaningMode.Whitespace;
        }
        else
        {
            // transformers pads SigLIP text to the text tower's positions (64) and does nothing else to it.
            length = config is { } c && c.TryGetProperty("text_config", out JsonElement t) && t.TryGetProperty("max_position_embeddings", out JsonElement mp) ? mp.GetInt32()
                : tokenizerConfig is { } tc2 && tc2.TryGetProperty("model_max_length", out JsonElement mm) && mm.TryGetInt32(out int m) && m < 100_000 ? m
                : 64;
            cleaning = TextCleaningMode.None;
        }

        if (options.TextCleaning is { } overridden)
        {
            cleaning = overridden;
        }

        // NLLB-CLIP reads a FLORES-200 language code before the text (Immich concatenates it without a space).
        string prefix = tokenizer.TokenToId("eng_Latn") is not null ? (string.IsNullOrWhiteSpace(options.Language) ? "eng_Latn" : options.Language) : "";
        return TextTokenizer.ForTokenizerJson(tokenizer, cleaning, length, padId, prefix);
    }

    private static string? TokenText(JsonElement e) =>
        e.ValueKind == JsonValueKind.String ? e.GetString() : e.ValueKind == JsonValueKind.Object && e.TryGetProperty("content", out JsonElement c) ? c.GetString() : null;

    /// <summary>The settings' scale and bias, else the folder's <c>calibration.json</c> (written by <c>models pull</c> from the manifest).</summary>
    private static ScoreCalibration? ReadCalibration(string directory, ClipModelOptions options)
    {
        if (options.LogitScale is double scale && options.LogitBias is double bias)
        {
            return new ScoreCalibration(scale, bias);
        }

        JsonElement? file = ClipModelFiles.ReadJson(Path.Combine(directory, "calibration.json"));
        if (file is { } f && f.TryGetProperty("logit_scale_exp", out JsonElement s) && f.TryGetProperty("logit_bias", out JsonElement b) &&
            s.TryGetDouble(out double fs) && b.TryGetDouble(out double fb) && fs > 0 && double.IsFinite(fs) && double.IsFinite(fb))
        {
            return new ScoreCalibration(fs, fb);
        }

        return null;
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
            return doc.RootElement.TryGetProperty("projection_dim", out JsonElement e) && e.TryGetInt32(out int d) ? d
                : doc.RootElement.TryGetProperty("embed_dim", out JsonElement ed) && ed.TryGetInt32(out int d2) ? d2 : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
