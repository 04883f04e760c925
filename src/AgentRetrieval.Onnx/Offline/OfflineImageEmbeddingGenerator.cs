using Microsoft.Extensions.AI;

namespace AgentRetrieval.Onnx.Offline;

/// <summary>The offline default's image encoder: ResNet-18 features, centred on the training images' mean, L2-normalised.</summary>
/// <param name="model">The model (with a bridge).</param>
/// <param name="ownsModel">Whether disposing the generator disposes the model.</param>
public sealed class OfflineImageEmbeddingGenerator(OfflineDefaultModel model, bool ownsModel = false) : OfflineEmbeddingGenerator<DataContent>(model, ownsModel)
{
    /// <inheritdoc/>
    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<DataContent> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        ReadOnlyMemory<byte>[] images = [.. values.Select(v => v.Data)];
        float[][] features = await Task.Run(() => Model.ImageFeatures(images, cancellationToken), cancellationToken);
        IReadOnlyList<float> mean = Bridge.OutputMean;
        return [.. features.Select(f =>
        {
            for (int i = 0; i < f.Length; i++)
            {
                f[i] -= mean[i];
            }

            return new Embedding<float>(Clip.ClipModel.NormalizeCopy(f)) { ModelId = Model.Identity.Key };
        })];
    }
}
