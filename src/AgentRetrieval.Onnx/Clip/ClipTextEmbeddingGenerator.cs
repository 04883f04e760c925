using AgentRetrieval.Embeddings;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Onnx.Clip;

/// <summary>CLIP's text tower as an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: batched, L2-normalised vectors.</summary>
/// <remarks>Thread-safe. Disposes the model only when it owns it.</remarks>
public sealed class ClipTextEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>, IModelIdentityProvider
{
    private readonly ClipModel _model;
    private readonly bool _ownsModel;
    private readonly int _batchSize;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <summary>Creates the generator.</summary>
    /// <param name="model">The model.</param>
    /// <param name="batchSize">Texts per inference call.</param>
    /// <param name="ownsModel">Whether disposing the generator disposes the model.</param>
    public ClipTextEmbeddingGenerator(ClipModel model, int batchSize = 64, bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        _model = model;
        _ownsModel = ownsModel;
        _batchSize = batchSize;
        _metadata = new EmbeddingGeneratorMetadata("onnxruntime-clip", new Uri(Path.GetFullPath(model.Files.Directory)), model.Identity.Key, model.Dimensions);
    }

    /// <inheritdoc/>
    public ModelIdentity Identity => _model.Identity;

    /// <inheritdoc/>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        string[] texts = [.. values];
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Length);
        for (int start = 0; start < texts.Length; start += _batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string[] chunk = texts[start..Math.Min(texts.Length, start + _batchSize)];
            float[][] vectors = await Task.Run(() => _model.RunText([.. chunk.Select(_model.Tokenizer.Encode)], cancellationToken), cancellationToken);
            foreach (float[] v in vectors)
            {
                ClipModel.Normalize(v);
                result.Add(new Embedding<float>(v) { ModelId = _model.Identity.Key });
            }
        }

        return result;
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null :
            serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata :
            serviceType == typeof(ModelIdentity) ? _model.Identity :
            serviceType.IsInstanceOfType(_model) ? _model :
            serviceType.IsInstanceOfType(_model.Tokenizer) ? _model.Tokenizer :
            serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }
}
