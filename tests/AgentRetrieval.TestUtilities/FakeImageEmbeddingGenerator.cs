using System.Security.Cryptography;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Imaging;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests;

/// <summary>
/// A deterministic image "encoder" for tests of the code around the real one: it decodes each image (so bad images fail
/// as they would) and returns a unit vector derived from the bytes' hash.
/// </summary>
public sealed class FakeImageEmbeddingGenerator : IEmbeddingGenerator<DataContent, Embedding<float>>
{
    public FakeImageEmbeddingGenerator(int dimensions = 8) => Identity = new ModelIdentity("fake", dimensions, "fa4e", new Dictionary<string, string>());

    public ModelIdentity Identity { get; }

    public int Calls { get; private set; }

    public int ImagesEmbedded { get; private set; }

    public Func<int, Task>? BeforeBatch { get; set; }

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<DataContent> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls++;
        if (BeforeBatch is not null)
        {
            await BeforeBatch(Calls);
        }

        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (DataContent d in values)
        {
            using (ImageLoader.LoadRgb(d.Data))
            {
            }

            result.Add(new Embedding<float>(VectorOf(d.Data.Span, Identity.Dimensions)));
        }

        ImagesEmbedded += result.Count;
        return result;
    }

    public static float[] VectorOf(ReadOnlySpan<byte> data, int dimensions)
    {
        byte[] hash = SHA256.HashData(data);
        float[] v = new float[dimensions];
        for (int i = 0; i < dimensions; i++)
        {
            v[i] = hash[i % hash.Length] - 127.5f;
        }

        float norm = MathF.Sqrt(v.Sum(x => x * x));
        return [.. v.Select(x => x / norm)];
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
