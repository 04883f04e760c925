using AgentRetrieval.Embeddings;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Onnx.Offline;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>The text and image encoders a command runs with: a CLIP model, or the offline default.</summary>
internal sealed class Encoders : IDisposable
{
    private readonly IDisposable _owner;

    private Encoders(IEmbeddingGenerator<string, Embedding<float>> text, IEmbeddingGenerator<DataContent, Embedding<float>> images, ModelIdentity identity, ClipTokenizer? tokenizer, IDisposable owner)
    {
        Text = text;
        Images = images;
        Identity = identity;
        Tokenizer = tokenizer;
        _owner = owner;
    }

    public IEmbeddingGenerator<string, Embedding<float>> Text { get; }

    public IEmbeddingGenerator<DataContent, Embedding<float>> Images { get; }

    public ModelIdentity Identity { get; }

    /// <summary>CLIP's tokenizer, or null for the offline default.</summary>
    public ClipTokenizer? Tokenizer { get; }

    public static Encoders FromClip(ClipModel model, ClipBatchOptions batches) =>
        new(new ClipTextEmbeddingGenerator(model, batches.TextBatchSize), new ClipImageEmbeddingGenerator(model, batches.ImageBatchSize), model.Identity, model.Tokenizer, model);

    public static Encoders FromOffline(OfflineDefaultModel model) =>
        new(new OfflineTextEmbeddingGenerator(model), new OfflineImageEmbeddingGenerator(model), model.Identity, null, model);

    public void Dispose()
    {
        Text.Dispose();
        Images.Dispose();
        _owner.Dispose();
    }
}
