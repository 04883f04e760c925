using System.Numerics.Tensors;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Search;

/// <summary>Query-vector arithmetic shared by the agent and the search command.</summary>
public static class QueryVectors
{
    /// <summary>Moves a query vector away from each negative term's vector (weight split between the terms), renormalised.</summary>
    /// <param name="query">The query vector.</param>
    /// <param name="negatives">The negative terms.</param>
    /// <param name="encoder">The text encoder.</param>
    /// <param name="weight">How far to move (Agent:NegationWeight).</param>
    /// <param name="cancellationToken">Cancels the encoding.</param>
    /// <returns>The moved, unit-length vector.</returns>
    public static async Task<float[]> SubtractNegativesAsync(float[] query, IReadOnlyList<string> negatives, IEmbeddingGenerator<string, Embedding<float>> encoder, double weight, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(negatives);
        ArgumentNullException.ThrowIfNull(encoder);
        if (negatives.Count == 0 || weight <= 0 || query.Length == 0)
        {
            return query;
        }

        float[] q = (float[])query.Clone();
        GeneratedEmbeddings<Embedding<float>> neg = await encoder.GenerateAsync(negatives, cancellationToken: cancellationToken);
        foreach (Embedding<float> n in neg)
        {
            TensorPrimitives.MultiplyAdd(n.Vector.Span, (float)(-weight / neg.Count), q, q);
        }

        float norm = TensorPrimitives.Norm(q);
        if (norm > 0)
        {
            TensorPrimitives.Divide(q, norm, q);
        }

        return q;
    }
}
