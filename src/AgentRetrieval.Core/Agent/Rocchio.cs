using System.Numerics.Tensors;

namespace AgentRetrieval.Agent;

/// <summary>Rocchio relevance feedback on unit vectors: q' = αq + β·mean(liked) − γ·mean(disliked), renormalised.</summary>
public static class Rocchio
{
    /// <summary>Moves <paramref name="query"/> towards liked and away from disliked vectors.</summary>
    /// <param name="query">The query vector (may be all zeros when there is no text).</param>
    /// <param name="liked">Vectors of liked images.</param>
    /// <param name="disliked">Vectors of disliked images.</param>
    /// <param name="alpha">Weight of the query.</param>
    /// <param name="beta">Weight of the liked centroid.</param>
    /// <param name="gamma">Weight of the disliked centroid.</param>
    /// <returns>A new unit vector.</returns>
    public static float[] Apply(ReadOnlySpan<float> query, IReadOnlyList<float[]> liked, IReadOnlyList<float[]> disliked, double alpha, double beta, double gamma)
    {
        ArgumentNullException.ThrowIfNull(liked);
        ArgumentNullException.ThrowIfNull(disliked);
        float[] result = new float[query.Length];
        TensorPrimitives.Multiply(query, (float)alpha, result);
        AddMean(result, liked, (float)beta);
        AddMean(result, disliked, -(float)gamma);
        return Normalize(result);
    }

    /// <summary>Scales a vector to unit length (a zero vector stays zero).</summary>
    /// <param name="v">The vector; changed in place.</param>
    /// <returns>The same array.</returns>
    public static float[] Normalize(float[] v)
    {
        ArgumentNullException.ThrowIfNull(v);
        float n = TensorPrimitives.Norm(v);
        if (n > 0 && float.IsFinite(n))
        {
            TensorPrimitives.Divide(v, n, v);
        }

        return v;
    }

    private static void AddMean(float[] target, IReadOnlyList<float[]> vectors, float weight)
    {
        if (vectors.Count == 0 || weight == 0)
        {
            return;
        }

        float w = weight / vectors.Count;
        foreach (float[] v in vectors)
        {
            TensorPrimitives.MultiplyAdd(v, w, target, target);
        }
    }
}
