using AgentRetrieval.Embeddings;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Onnx.Offline;

/// <summary>The offline default's text encoder: MiniLM, then the bridge into the image space, L2-normalised.</summary>
/// <param name="model">The model (with a bridge).</param>
/// <param name="ownsModel">Whether disposing the generator disposes the model.</param>
public sealed class OfflineTextEmbeddingGenerator(OfflineDefaultModel model, bool ownsModel = false)
    : IEmbeddingGenerator<string, Embedding<float>>, IModelIdentityProvider
{
    /// <inheritdoc/>
    public ModelIdentity Identity => model.Identity;

    /// <inheritdoc/>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        LinearBridge bridge = model.Bridge ?? throw new InvalidOperationException("The offline default has no bridge loaded.");
        string[] texts = [.. values];
        float[][] features = await Task.Run(() => model.TextFeatures(texts, cancellationToken), cancellationToken);
        return [.. features.Select(f => new Embedding<float>(Clip.ClipModel.NormalizeCopy(bridge.Apply(f))) { ModelId = model.Identity.Key })];
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(ModelIdentity) ? model.Identity : serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    /// <inheritdoc/>
    public void Dispose()
    {
        if (ownsModel)
        {
            model.Dispose();
        }
    }
}
