using System.Text.Json;

namespace AgentRetrieval.Tests;

/// <summary>Reads ../shared/fixtures/clip-tiny/reference.json.</summary>
public static class ReferenceData
{
    public static JsonElement Load(string file = "reference.json")
    {
        string path = System.IO.Path.Combine(SharedFixtures.ClipTiny, file);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.Clone();
    }

    /// <summary>Reads a fixture folder's reference.json.</summary>
    public static JsonElement LoadFrom(string fixtureDirectory)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(System.IO.Path.Combine(fixtureDirectory, "reference.json")));
        return doc.RootElement.Clone();
    }

    public static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetSingle())];

    public static int[] Ints(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt32())];

    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    public static float[] ReadF32(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        float[] result = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, result, 0, bytes.Length);
        return result;
    }
}
