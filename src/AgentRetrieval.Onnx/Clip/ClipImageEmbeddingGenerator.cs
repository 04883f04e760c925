using AgentRetrieval.Embeddings;
using AgentRetrieval.Imaging;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Onnx.Clip;

/// <summary>
/// CLIP's vision tower as an <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> over encoded images in <see cref="DataContent"/>:
/// images are decoded and preprocessed in parallel, then embedded in batches and L2-normalised.
/// </summary>
/// <remarks>Thread-safe. Disposes the model only when it owns it.</remarks>
public sealed class ClipImageEmbeddingGenerator : IEmbeddingGenerator<DataContent, Embedding<float>>, IModelIdentityProvider
{
    private readonly ClipModel _model;
    private readonly bool _ownsModel;
    private readonly int _batchSize;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <summary>Creates the generator.</summary>
    /// <param name="model">The model.</param>
    /// <param name="batchSize">Images per inference call.</param>
    /// <param name="ownsModel">Whether disposing the generator disposes the model.</param>
    public ClipImageEmbeddingGenerator(ClipModel model, int batchSize = 16, bool ownsModel = false)
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

    /// <summary>Generates one embedding per image.</summary>
    /// <param name="values">Encoded images (JPEG, PNG, GIF, BMP, WebP, TIFF bytes).</param>
    /// <param name="options">Unused.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The embeddings, in input order.</returns>
    /// <exception cref="InvalidImageException">An image cannot be decoded or is over the pixel limit; the message names its position.</exception>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<DataContent> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        DataContent[] images = [.. values];
        var result = new GeneratedEmbeddings<Embedding<float>>(images.Length);
        int length = _model.Preprocessor.TensorLength;
        for (int start = 0; start < images.Length; start += _batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(_batchSize, images.Length - start);
            float[] pixels = new float[count * length];
            await Task.Run(() => RunUnwrapped(() => Parallel.For(0, count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                try
                {
                    _model.Preprocessor.Preprocess(images[start + i].Data, pixels.AsSpan(i * length, length));
                }
                catch (InvalidImageException ex)
                {
                    throw new InvalidImageException($"Image {start + i} ({images[start + i].Name ?? images[start + i].MediaType}): {ex.Message}", ex);
                }
            })), cancellationToken);
            float[][] vectors = await Task.Run(() => _model.RunVision(pixels, count, cancellationToken), cancellationToken);
            foreach (float[] v in vectors)
            {
                ClipModel.Normalize(v);
                result.Add(new Embedding<float>(v) { ModelId = _model.Identity.Key });
            }
        }

        return result;
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

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null :
            serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata :
            serviceType == typeof(ModelIdentity) ? _model.Identity :
            serviceType.IsInstanceOfType(_model) ? _model :
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
