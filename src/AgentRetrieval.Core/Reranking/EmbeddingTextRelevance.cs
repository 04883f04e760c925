using System.Numerics.Tensors;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Reranking;

/// <summary>
/// Text relevance as the cosine between sentence embeddings of the request and of each passage: MiniLM (English), or the
/// retrieval model's own text tower (multilingual when the model is, such as M-CLIP).
/// </summary>
/// <param name="encoder">The sentence encoder.</param>
/// <param name="name">What it is, for reports.</param>
/// <param name="multilingual">Whether the encoder understands other languages than English.</param>
public sealed class EmbeddingTextRelevance(IEmbeddingGenerator<string, Embedding<float>> encoder, string name, bool multilingual) : ITextRelevance
{
    /// <inheritdoc/>
    public string Name => name;

    /// <inheritdoc/>
    public bool Multilingual => multilingual;

    /// <inheritdoc/>
    public async Task<IReadOnlyList<double>> ScoreAsync(string request, IReadOnlyList<string> passages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(passages);
        if (passages.Count == 0)
        {
            return [];
        }

        GeneratedEmbeddings<Embedding<float>> all = await encoder.GenerateAsync([request, .. passages], cancellationToken: cancellationToken);
        ReadOnlySpan<float> q = all[0].Vector.Span;
        double[] scores = new double[passages.Count];
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = TensorPrimitives.CosineSimilarity(q, all[i + 1].Vector.Span);
        }

        return scores;
    }
}
