using System.Runtime.CompilerServices;
using System.Text.Json;
using AgentRetrieval.Agent;
using AgentRetrieval.Imaging;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace AgentRetrieval.Onnx.Generation;

/// <summary>
/// A multimodal <see cref="IChatClient"/> over ONNX Runtime GenAI (its built-in chat client drops images): images come
/// from <see cref="DataContent"/>, the prompt format (Phi-3/3.5-vision, Phi-4-multimodal, Qwen2.5-VL) from
/// <c>genai_config.json</c>, answers stream token by token, cancellation is checked between tokens, <c>max_length</c>
/// is always set, and the model's next-token probabilities are available through <see cref="INextTokenScorer"/>.
/// </summary>
/// <remarks>Thread-safe: one model is loaded once and generation is serialised (batch size 1).</remarks>
public sealed class GenAIChatClient : IChatClient, INextTokenScorer
{
    private readonly Config _config;
    private readonly Model _model;
    private readonly MultiModalProcessor _processor;
    private readonly Tokenizer _tokenizer;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly GenAIChatClientOptions _options;
    private readonly int _maxLength;
    private readonly ChatClientMetadata _metadata;

    /// <summary>Loads the model in <see cref="GenAIChatClientOptions.ModelDirectory"/>.</summary>
    /// <param name="options">Settings.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has no <c>genai_config.json</c> or a file it names.</exception>
    /// <exception cref="InvalidDataException">The model cannot be loaded.</exception>
    /// <exception cref="NotSupportedException">The model family has no known chat format.</exception>
    public GenAIChatClient(GenAIChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        string dir = options.ModelDirectory;
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"The LLM folder '{dir}' does not exist.");
        }

        string configPath = Path.Combine(dir, "genai_config.json");
        if (!File.Exists(configPath))
        {
            throw new FileNotFoundException($"'{dir}' is not an ONNX Runtime GenAI model folder: genai_config.json is missing.", configPath);
        }

        (string type, int contextLength, string[] files) = ReadConfig(configPath);
        foreach (string f in files)
        {
            if (!File.Exists(Path.Combine(dir, f)))
            {
                throw new FileNotFoundException($"The LLM folder '{dir}' lacks '{f}', which genai_config.json names.", Path.Combine(dir, f));
            }
        }

        Format = PromptFormat.ForModelType(type);
        ModelType = type;
        int context = options.ContextLength ?? contextLength;
        _maxLength = Math.Min(options.MaxLength, context);
        try
        {
            _config = new Config(dir);
            _config.ClearProviders();
            if (options.ContextLength is int c)
            {
                _config.Overlay($$$"""{"model":{"context_length":{{{c}}}},"search":{"max_length":{{{Math.Min(options.MaxLength, c)}}}}}""");
            }

            _model = new Model(_config);
            _processor = new MultiModalProcessor(_model);
            _tokenizer = new Tokenizer(_model);
        }
        catch (OnnxRuntimeGenAIException ex)
        {
            Dispose();
            throw new InvalidDataException($"The LLM in '{dir}' cannot be loaded: {ex.Message}", ex);
        }

        // The model id names the family and the folder: a published variant folder ("cpu-int4-rtn-block-32-acc-level-4")
        // is the same name for different models, and descriptions are stored under this id.
        _metadata = new ChatClientMetadata("onnxruntime-genai", new Uri(Path.GetFullPath(dir)), $"{type}/{Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir)))}");
    }

    /// <summary>The prompt format in use.</summary>
    public PromptFormatKind Format { get; }

    /// <summary>The model type from genai_config.json.</summary>
    public string ModelType { get; }

    /// <inheritdoc/>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        // The non-streaming API collects the stream rather than duplicating the logic.
        var updates = new List<ChatResponseUpdate>();
        await foreach (ChatResponseUpdate u in GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            updates.Add(u);
        }

        return updates.ToChatResponse();
    }

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        (string prompt, List<DataContent> images) = PromptFormat.Render(Format, messages);
        byte[][] imageBytes = ValidateImages(images);
        int maxOutput = options?.MaxOutputTokens ?? _options.DefaultMaxOutputTokens;
        string responseId = Guid.NewGuid().ToString("N");
        await _gate.WaitAsync(cancellationToken);
        try
        {
            using Session s = await Task.Run(() => Start(prompt, imageBytes), cancellationToken);
            using TokenizerStream stream = _processor.CreateStream();
            int promptTokens = s.Generator.GetSequence(0).Length;
            int produced = 0;
            for (; produced < maxOutput; produced++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (s.Generator.IsDone())
                {
                    break;
                }

                await Task.Run(s.Generator.GenerateNextToken, cancellationToken);
                if (s.Generator.IsDone())
                {
                    // The end-of-sequence token itself is not text.
                    break;
                }

                int token = s.Generator.GetNextTokens()[0];
                string piece = stream.Decode(token);
                if (piece.Length > 0)
                {
                    yield return new ChatResponseUpdate(ChatRole.Assistant, piece) { ResponseId = responseId, ModelId = _metadata.DefaultModelId };
                }
            }

            // The prompt's token count includes the image tokens the processor made: what each image really costs.
            yield return new ChatResponseUpdate
            {
                Role = ChatRole.Assistant,
                ResponseId = responseId,
                FinishReason = ChatFinishReason.Stop,
                Contents = [new UsageContent(new UsageDetails { InputTokenCount = promptTokens, OutputTokenCount = produced, TotalTokenCount = promptTokens + produced })],
            };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<double>> ScoreNextTokenAsync(IEnumerable<ChatMessage> messages, IReadOnlyList<string> candidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(candidates);
        (string prompt, List<DataContent> images) = PromptFormat.Render(Format, messages);
        byte[][] imageBytes = ValidateImages(images);
        int[][] candidateIds = [.. candidates.Select(CandidateTokenIds)];
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await Task.Run(() =>
            {
                using Session s = Start(prompt, imageBytes);
                cancellationToken.ThrowIfCancellationRequested();
                s.Generator.GenerateNextToken();
                using Tensor logits = s.Generator.GetOutput("logits");
                return Probabilities(logits, candidateIds);
            }, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null :
            serviceType == typeof(ChatClientMetadata) ? _metadata :
            serviceType == typeof(Model) ? _model :
            serviceType == typeof(Tokenizer) ? _tokenizer :
            serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _tokenizer?.Dispose();
        _processor?.Dispose();
        _model?.Dispose();
        _config?.Dispose();
        _gate.Dispose();
    }

    private byte[][] ValidateImages(List<DataContent> images)
    {
        var result = new byte[images.Count][];
        for (int i = 0; i < images.Count; i++)
        {
            byte[] data = images[i].Data.ToArray();
            try
            {
                ImageInfo info = ImageLoader.Identify(data);
                ImageLoader.EnsureWithinLimit(info, _options.MaxPixels);
            }
            catch (InvalidImageException ex)
            {
                throw new InvalidImageException($"Image {i + 1} ({images[i].Name ?? images[i].MediaType}) cannot be given to the model: {ex.Message}", ex);
            }

            // ONNX Runtime GenAI reads JPEG, PNG and the like; HEIC, RAW previews, TIFF, WebP and AVIF go in as JPEG.
            result[i] = ImageLoader.ToCommonFormat(data, _options.MaxPixels, modernFormats: false).Data;
        }

        return result;
    }

    private Session Start(string prompt, byte[][] images)
    {
        Images? loaded = null;
        NamedTensors? inputs = null;
        GeneratorParams? parameters = null;
        string? tempDir = null;
        try
        {
            if (images.Length == 1)
            {
                loaded = Images.Load(images[0]);
            }
            else if (images.Length > 1)
            {
                // Images.Load takes one encoded image from memory; several go through files.
                tempDir = Directory.CreateTempSubdirectory("agentretrieval-genai-").FullName;
                string[] paths = new string[images.Length];
                for (int i = 0; i < images.Length; i++)
                {
                    paths[i] = Path.Combine(tempDir, $"{i}.img");
                    File.WriteAllBytes(paths[i], images[i]);
                }

                loaded = Images.Load(paths);
            }

            inputs = _processor.ProcessImages(prompt, loaded);
            parameters = new GeneratorParams(_model);
            parameters.SetSearchOption("max_length", _maxLength);
            parameters.SetSearchOption("do_sample", false);
            var generator = new Generator(_model, parameters);
            try
            {
                generator.SetInputs(inputs);
            }
            catch
            {
                generator.Dispose();
                throw;
            }

            return new Session(generator, parameters, inputs, loaded, tempDir);
        }
        catch (Exception ex)
        {
            inputs?.Dispose();
            parameters?.Dispose();
            loaded?.Dispose();
            DeleteQuietly(tempDir);
            if (ex is OnnxRuntimeGenAIException genai)
            {
                throw new InvalidOperationException($"The model rejected the prompt: {genai.Message}", genai);
            }

            throw;
        }
    }

    private int[] CandidateTokenIds(string candidate)
    {
        var ids = new HashSet<int>();
        int bos = _tokenizer.GetBosTokenId();
        foreach (string variant in new[] { candidate, " " + candidate, candidate.ToLowerInvariant(), " " + candidate.ToLowerInvariant(), Capitalise(candidate) })
        {
            using Sequences seq = _tokenizer.Encode(variant);
            ReadOnlySpan<int> tokens = seq[0];
            foreach (int t in tokens)
            {
                if (t != bos)
                {
                    ids.Add(t);
                    break;
                }
            }
        }

        return [.. ids];
    }

    private static string Capitalise(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    private static double[] Probabilities(Tensor logits, int[][] candidateIds)
    {
        long[] shape = logits.Shape();
        int vocab = (int)shape[^1];
        float[] last;
        if (logits.Type() == ElementType.float32)
        {
            ReadOnlySpan<float> all = logits.GetData<float>();
            last = all[^vocab..].ToArray();
        }
        else if (logits.Type() == ElementType.float16)
        {
            ReadOnlySpan<Half> all = logits.GetData<Half>();
            last = new float[vocab];
            System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(all[^vocab..], last);
        }
        else
        {
            throw new InvalidDataException($"The model's logits have element type {logits.Type()}; expected float32 or float16.");
        }

        float max = System.Numerics.Tensors.TensorPrimitives.Max(last);
        double[] scores = new double[candidateIds.Length];
        for (int c = 0; c < candidateIds.Length; c++)
        {
            foreach (int id in candidateIds[c])
            {
                if (id >= 0 && id < vocab)
                {
                    scores[c] += Math.Exp(last[id] - max);
                }
            }
        }

        double sum = scores.Sum();
        return sum > 0 && double.IsFinite(sum) ? [.. scores.Select(x => x / sum)] : [.. scores.Select(_ => 1.0 / scores.Length)];
    }

    private static (string Type, int ContextLength, string[] Files) ReadConfig(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement model = doc.RootElement.GetProperty("model");
            string type = model.GetProperty("type").GetString() ?? "";
            int context = model.TryGetProperty("context_length", out JsonElement cl) ? cl.GetInt32() : 4096;
            var files = new List<string>();
            foreach (string part in new[] { "decoder", "embedding", "vision", "speech" })
            {
                if (model.TryGetProperty(part, out JsonElement p) && p.TryGetProperty("filename", out JsonElement f) && f.GetString() is { } name)
                {
                    files.Add(name);
                }
            }

            return (type, context, [.. files]);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{path} is not a valid genai_config.json: {ex.Message}", ex);
        }
    }

    private static void DeleteQuietly(string? dir)
    {
        if (dir is null)
        {
            return;
        }

        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private sealed class Session(Generator generator, GeneratorParams parameters, NamedTensors inputs, Images? images, string? tempDir) : IDisposable
    {
        public Generator Generator { get; } = generator;

        public void Dispose()
        {
            Generator.Dispose();
            parameters.Dispose();
            inputs.Dispose();
            images?.Dispose();
            DeleteQuietly(tempDir);
        }
    }
}
