using Microsoft.Extensions.AI;

namespace AgentRetrieval.Onnx.Offline;

/// <summary>The offline default's text encoder: MiniLM, then the bridge into the image space, L2-normalised.</summary>
/// <param name="model">The model (with a bridge).</param>
/// <param name="ownsModel">Whether disposing the generator disposes the model.</param>
public sealed class OfflineTextEmbeddingGenerator(OfflineDefaultModel model, bool ownsModel = false) : OfflineEmbeddingGenerator<string>(model, ownsModel)
{
    /// <inheritdoc/>
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        string[] texts = [.. values];
        float[][] features = await Task.Run(() => Model.TextFeatures(texts, cancellationToken), cancellationToken);
        return [.. features.Select(f => new Embedding<float>(Clip.ClipModel.NormalizeCopy(Bridge.Apply(f))) { ModelId = Model.Identity.Key })];
    }
}
