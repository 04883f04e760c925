using AgentRetrieval.Embeddings;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Onnx.Encoders;
using AgentRetrieval.Onnx.Offline;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>The text and image encoders a command runs with: a CLIP model, or the offline default.</summary>
internal sealed class Encoders : IDisposable
{
    private readonly IDisposable _owner;

    private Encoders(IEmbeddingGenerator<string, Embedding<float>> text, IEmbeddingGenerator<DataContent, Embedding<float>> images, ModelIdentity identity, TextTokenizer? tokenizer, IDisposable owner,
        string family = "offline-default", string layout = "nuget-packages")
    {
        Family = family;
        Layout = layout;
        Text = text;
        Images = images;
        Identity = identity;
        Tokenizer = tokenizer;
        _owner = owner;
    }

    public IEmbeddingGenerator<string, Embedding<float>> Text { get; }

    public IEmbeddingGenerator<DataContent, Embedding<float>> Images { get; }

    public ModelIdentity Identity { get; }

    /// <summary>clip, siglip, mclip, or offline-default.</summary>
    public string Family { get; }

    /// <summary>transformers.js, immich, or nuget-packages (the offline default).</summary>
    public string Layout { get; }

    /// <summary>
    /// Whether the text tower reads other languages than English (M-CLIP's XLM-RoBERTa, NLLB-CLIP, SigLIP 2's Gemma
    /// tokenizer): then it can also judge a request against descriptions in the cascade.
    /// </summary>
    public bool Multilingual => Family == "mclip" || Identity.Name.Contains("xlm", StringComparison.OrdinalIgnoreCase) || Identity.Name.Contains("nllb", StringComparison.OrdinalIgnoreCase)
        || Identity.Name.Contains("multilingual", StringComparison.OrdinalIgnoreCase) || Identity.Name.Contains("siglip2", StringComparison.OrdinalIgnoreCase);

    /// <summary>The model's text side (cleaning, tokenizer, padding), or null for the offline default.</summary>
    public TextTokenizer? Tokenizer { get; }

    public static Encoders FromClip(ClipModel model, ClipBatchOptions batches) =>
        new(new ClipTextEmbeddingGenerator(model, batches.TextBatchSize), new ClipImageEmbeddingGenerator(model, batches.ImageBatchSize), model.Identity, model.Tokenizer, model,
            model.Family.ToString().ToLowerInvariant(), model.Layout == Onnx.Encoders.Layouts.ModelLayout.Immich ? "immich" : "transformers.js");

    public static Encoders FromOffline(OfflineDefaultModel model) =>
        new(new OfflineTextEmbeddingGenerator(model), new OfflineImageEmbeddingGenerator(model), model.Identity, null, model);

    public void Dispose()
    {
        Text.Dispose();
        Images.Dispose();
        _owner.Dispose();
    }
}
