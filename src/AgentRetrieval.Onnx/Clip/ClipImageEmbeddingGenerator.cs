using AgentRetrieval.Embeddings;
using AgentRetrieval.Imaging;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Onnx.Clip;

/// <summary>
/// CLIP's vision tower as an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over encoded images in <see cref="DataContent"/>:
/// images are decoded and preprocessed in parallel, then embedded in batches and L2-normalised. An image that cannot be
/// decoded, or is over the pixel limit, fails the call with an <see cref="InvalidImageException"/> naming its position.
/// </summary>
/// <remarks>Thread-safe. Disposes the model only when it owns it.</remarks>
/// <param name="model">The model.</param>
/// <param name="batchSize">Images per inference call.</param>
/// <param name="ownsModel">Whether disposing the generator disposes the model.</param>
public sealed class ClipImageEmbeddingGenerator(ClipModel model, int batchSize = 16, bool ownsModel = false)
    : ClipEmbeddingGenerator<DataContent>(model, batchSize, ownsModel), IImagePreparation
{
    /// <inheritdoc/>
    public DataContent Prepare(DataContent image)
    {
        ArgumentNullException.ThrowIfNull(image);
        float[] pixels = new float[Model.Preprocessor.TensorLength];
        Model.Preprocessor.Preprocess(image.Data, pixels);
        return PreparedImages.Create(pixels, Model.Identity.Fingerprint, image.Name);
    }

    /// <inheritdoc/>
    public override object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(IImagePreparation) ? this : base.GetService(serviceType, serviceKey);

    /// <inheritdoc/>
    protected override async Task<float[][]> EmbedBatchAsync(DataContent[] batch, int offset, CancellationToken cancellationToken)
    {
        int length = Model.Preprocessor.TensorLength;
        float[] pixels = new float[batch.Length * length];
        await Task.Run(() => RunUnwrapped(() => Parallel.For(0, batch.Length, new ParallelOptions { CancellationToken = cancellationToken }, i =>
        {
            try
            {
                if (PreparedImages.IsPrepared(batch[i]))
                {
                    PreparedImages.Pixels(batch[i], Model.Identity.Fingerprint, length).CopyTo(pixels.AsSpan(i * length, length));
                    return;
                }

                Model.Preprocessor.Preprocess(batch[i].Data, pixels.AsSpan(i * length, length));
            }
            catch (InvalidImageException ex)
            {
                throw new InvalidImageException($"Image {offset + i} ({batch[i].Name ?? batch[i].MediaType}): {ex.Message}", ex);
            }
        })), cancellationToken);
        return await Task.Run(() => Model.RunVision(pixels, batch.Length, cancellationToken), cancellationToken);
    }

    private static void RunUnwrapped(Action action)
    {
        try
        {
            action();
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }
    }
}
