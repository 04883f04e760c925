using AgentRetrieval.Embeddings;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests;

/// <summary>A text "encoder" for orchestration tests: known texts map to given vectors, others to a hash vector.</summary>
public sealed class FakeTextEmbeddingGenerator(ModelIdentity identity) : IEmbeddingGenerator<string, Embedding<float>>
{
    public Dictionary<string, float[]> Vectors { get; } = new(StringComparer.OrdinalIgnoreCase);

    public List<string> Seen { get; } = [];

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (string v in values)
        {
            Seen.Add(v);
            float[] vector = Vectors.TryGetValue(v, out float[]? known) ? known : FakeImageEmbeddingGenerator.VectorOf(System.Text.Encoding.UTF8.GetBytes(v), identity.Dimensions);
            result.Add(new Embedding<float>(Normalize(vector)));
        }

        return Task.FromResult(result);
    }

    public static float[] Normalize(float[] v)
    {
        float n = MathF.Sqrt(v.Sum(x => x * x));
        return n == 0 ? v : [.. v.Select(x => x / n)];
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
