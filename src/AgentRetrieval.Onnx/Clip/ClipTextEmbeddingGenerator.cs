namespace AgentRetrieval.Onnx.Clip;

/// <summary>The text tower (CLIP, SigLIP, M-CLIP) as an <see cref="Microsoft.Extensions.AI.IEmbeddingGenerator{TInput, TEmbedding}"/>: batched, L2-normalised vectors.</summary>
/// <remarks>Thread-safe. Disposes the model only when it owns it.</remarks>
/// <param name="model">The model.</param>
/// <param name="batchSize">Texts per inference call.</param>
/// <param name="ownsModel">Whether disposing the generator disposes the model.</param>
public sealed class ClipTextEmbeddingGenerator(ClipModel model, int batchSize = 64, bool ownsModel = false)
    : ClipEmbeddingGenerator<string>(model, batchSize, ownsModel)
{
    /// <inheritdoc/>
    protected override Task<float[][]> EmbedBatchAsync(string[] batch, int offset, CancellationToken cancellationToken) =>
        Task.Run(() => Model.RunText([.. batch.Select(Model.Tokenizer.Encode)], cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? base.GetService(serviceType, serviceKey)
            : serviceType.IsInstanceOfType(Model.Tokenizer) ? Model.Tokenizer
            : base.GetService(serviceType, serviceKey);
    }
}
