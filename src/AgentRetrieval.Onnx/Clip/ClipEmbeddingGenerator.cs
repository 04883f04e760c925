using AgentRetrieval.Embeddings;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Onnx.Clip;

/// <summary>What the CLIP text and image generators share: batching, L2 normalisation, identity, services, ownership.</summary>
/// <typeparam name="TInput">Text or images.</typeparam>
/// <remarks>Thread-safe. Disposes the model only when it owns it.</remarks>
public abstract class ClipEmbeddingGenerator<TInput> : IEmbeddingGenerator<TInput, Embedding<float>>, IModelIdentityProvider
{
    private readonly bool _ownsModel;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <summary>Creates the generator.</summary>
    /// <param name="model">The model.</param>
    /// <param name="batchSize">Inputs per inference call.</param>
    /// <param name="ownsModel">Whether disposing the generator disposes the model.</param>
    protected ClipEmbeddingGenerator(ClipModel model, int batchSize, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Model = model;
        BatchSize = batchSize;
        _ownsModel = ownsModel;
        _metadata = new EmbeddingGeneratorMetadata("onnxruntime-clip", new Uri(Path.GetFullPath(model.Files.Directory)), model.Identity.Key, model.Dimensions);
    }

    /// <summary>The model.</summary>
    protected ClipModel Model { get; }

    /// <summary>Inputs per inference call.</summary>
    protected int BatchSize { get; }

    /// <inheritdoc/>
    public ModelIdentity Identity => Model.Identity;

    /// <inheritdoc/>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<TInput> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        TInput[] inputs = [.. values];
        var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Length);
        for (int start = 0; start < inputs.Length; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            float[][] vectors = await EmbedBatchAsync(inputs[start..Math.Min(inputs.Length, start + BatchSize)], start, cancellationToken);
            foreach (float[] v in vectors)
            {
                ClipModel.Normalize(v);
                result.Add(new Embedding<float>(v) { ModelId = Model.Identity.Key });
            }
        }

        return result;
    }

    /// <summary>Runs the model on one batch and returns the raw projections.</summary>
    /// <param name="batch">The inputs.</param>
    /// <param name="offset">The batch's position in the whole request (for error messages).</param>
    /// <param name="cancellationToken">Cancels.</param>
    protected abstract Task<float[][]> EmbedBatchAsync(TInput[] batch, int offset, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public virtual object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null :
            serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata :
            serviceType == typeof(ModelIdentity) ? Model.Identity :
            serviceType == typeof(ScoreCalibration) ? Model.Calibration :
            serviceType.IsInstanceOfType(Model) ? Model :
            serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes the model when owned.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing && _ownsModel)
        {
            Model.Dispose();
        }
    }
}
