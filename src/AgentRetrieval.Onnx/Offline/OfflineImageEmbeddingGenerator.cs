using AgentRetrieval.Embeddings;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Onnx.Offline;

/// <summary>The offline default's image encoder: ResNet-18 features, centred on the training images' mean, L2-normalised.</summary>
/// <param name="model">The model (with a bridge).</param>
/// <param name="ownsModel">Whether disposing the generator disposes the model.</param>
public sealed class OfflineImageEmbeddingGenerator(OfflineDefaultModel model, bool ownsModel = false)
    : IEmbeddingGenerator<DataContent, Embedding<float>>, IModelIdentityProvider
{
    /// <inheritdoc/>
    public ModelIdentity Identity => model.Identity;

    /// <inheritdoc/>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<DataContent> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        LinearBridge bridge = model.Bridge ?? throw new InvalidOperationException("The offline default has no bridge loaded.");
        ReadOnlyMemory<byte>[] images = [.. values.Select(v => v.Data)];
        float[][] features = await Task.Run(() => model.ImageFeatures(images, cancellationToken), cancellationToken);
        return [.. features.Select(f =>
        {
            for (int i = 0; i < f.Length; i++)
            {
                f[i] -= bridge.OutputMean[i];
            }

            return new Embedding<float>(Clip.ClipModel.NormalizeCopy(f)) { ModelId = model.Identity.Key };
        })];
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
