using System.Text.Json;
using AgentRetrieval.Onnx.Clip;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests.Clip;

/// <summary>Reproduces ../shared/fixtures/clip-tiny/reference.json with the separate towers and with the combined export.</summary>
public abstract class ClipModelParityTests
{
    protected abstract bool PreferCombined { get; }

    // The reference path: full-size decoding (scaled JPEG decoding is measured against it in ClipImagePreprocessorTests).
    private ClipModel LoadModel() => ClipModel.Load(new ClipModelOptions { ModelDirectory = SharedFixtures.ClipTiny, PreferCombined = PreferCombined, ScaledDecode = false });

    [Fact]
    public async Task GenerateAsync_ReferenceTexts_CosineAtLeast0_99999()
    {
        JsonElement reference = ReferenceData.Load();
        using ClipModel model = LoadModel();
        using var generator = new ClipTextEmbeddingGenerator(model, batchSize: 4);
        JsonElement[] entries = [.. reference.GetProperty("text").EnumerateArray()];

        GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync(
            entries.Select(e => e.GetProperty("text").GetString()!), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(entries.Length, embeddings.Count);
        for (int i = 0; i < entries.Length; i++)
        {
            float[] expected = ReferenceData.Floats(entries[i].GetProperty("text_embeds"));
            double cosine = ReferenceData.Cosine(expected, embeddings[i].Vector.Span);
            Assert.True(cosine >= 0.99999, $"'{entries[i].GetProperty("text").GetString()}': cosine {cosine}");
            Assert.Equal(1.0, Math.Sqrt(ReferenceData.Cosine(embeddings[i].Vector.Span, embeddings[i].Vector.Span) * Dot(embeddings[i].Vector.Span)), 4);
        }
    }

    [Fact]
    public async Task GenerateAsync_ReferenceImages_CosineAtLeast0_999()
    {
        JsonElement reference = ReferenceData.Load();
        using ClipModel model = LoadModel();
        using var generator = new ClipImageEmbeddingGenerator(model, batchSize: 3);
        JsonElement[] images = [.. reference.GetProperty("images").EnumerateArray()];

        GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync(
            images.Select(e => new DataContent(File.ReadAllBytes(Path.Combine(SharedFixtures.ClipTiny, "images", e.GetProperty("file").GetString()!)), "image/*")),
            cancellationToken: TestContext.Current.CancellationToken);

        for (int i = 0; i < images.Length; i++)
        {
            double cosine = ReferenceData.Cosine(ReferenceData.Floats(images[i].GetProperty("image_embeds")), embeddings[i].Vector.Span);
            Assert.True(cosine >= 0.999, $"{images[i].GetProperty("file").GetString()}: cosine {cosine}");
        }
    }

    private static float Dot(ReadOnlySpan<float> v)
    {
        float s = 0;
        foreach (float x in v)
        {
            s += x * x;
        }

        return s;
    }
}

public sealed class SeparateTowersParityTests : ClipModelParityTests
{
    protected override bool PreferCombined => false;
}

public sealed class CombinedModelParityTests : ClipModelParityTests
{
    protected override bool PreferCombined => true;
}
