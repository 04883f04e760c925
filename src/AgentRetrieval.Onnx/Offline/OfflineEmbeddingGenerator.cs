using AgentRetrieval.Embeddings;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Onnx.Offline;

/// <summary>What the offline default's text and image generators share: identity, services, ownership, the bridge.</summary>
/// <typeparam name="TInput">Text or images.</typeparam>
public abstract class OfflineEmbeddingGenerator<TInput> : IEmbeddingGenerator<TInput, Embedding<float>>, IModelIdentityProvider
{
    private readonly bool _ownsModel;

    /// <summary>Creates the generator.</summary>
    /// <param name="model">The model (with a bridge).</param>
    /// <param name="ownsModel">Whether disposing the generator disposes the model.</param>
    protected OfflineEmbeddingGenerator(OfflineDefaultModel model, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
        _ownsModel = ownsModel;
    }

    /// <summary>The model.</summary>
    protected OfflineDefaultModel Model { get; }

    /// <summary>The bridge into the shared space.</summary>
    /// <exception cref="InvalidOperationException">The model was loaded for training, without a bridge.</exception>
    protected LinearBridge Bridge => Model.Bridge ?? throw new InvalidOperationException("The offline default has no bridge loaded.");

    /// <inheritdoc/>
    public ModelIdentity Identity => Model.Identity;

    /// <inheritdoc/>
    public abstract Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<TInput> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default);

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null : serviceType == typeof(ModelIdentity) ? Model.Identity : serviceType.IsInstanceOfType(this) ? this : null;
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
