using System.Text.Json;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Onnx.Encoders;
using AgentRetrieval.Onnx.Encoders.Layouts;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests.Encoders;

/// <summary>
/// Each SigLIP-family and M-CLIP fixture reproduced through the product's loader: the family and layout detected from the
/// files, every reference text's ids and embedding, each photo's pixel values and embedding.
/// </summary>
public abstract class RetrievalModelParityTests
{
    protected abstract string Fixture { get; }

    protected abstract ModelFamily ExpectedFamily { get; }

    protected abstract ModelLayout ExpectedLayout { get; }

    /// <summary>The reference ids and embedding a text should get, by the fixture's own field names.</summary>
    protected abstract IEnumerable<(string Text, int[] Ids, float[] Embedding)> ExpectedTexts(JsonElement reference);

    protected virtual float[] ImageEmbedding(JsonElement image) => ReferenceData.Floats(image.GetProperty("embedding"));

    protected ClipModel Load(double? scale = null, double? bias = null) =>
        ClipModel.Load(new ClipModelOptions { ModelDirectory = Fixture, ScaledDecode = false, LogitScale = scale, LogitBias = bias });

    [Fact]
    public void Load_DetectsFamilyAndLayoutFromTheFiles()
    {
        using ClipModel model = Load();

        Assert.Equal(ExpectedFamily, model.Family);
        Assert.Equal(ExpectedLayout, model.Layout);
    }

    [Fact]
    public async Task GenerateAsync_ReferenceTexts_IdsExactAndCosineAtLeast0_9999()
    {
        using ClipModel model = Load();
        using var generator = new ClipTextEmbeddingGenerator(model, batchSize: 5);
        (string Text, int[] Ids, float[] Embedding)[] expected = [.. ExpectedTexts(ReferenceData.LoadFrom(Fixture))];

        GeneratedEmbeddings<Embedding<float>> actual = await generator.GenerateAsync(expected.Select(e => e.Text), cancellationToken: TestContext.Current.CancellationToken);

        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Ids, model.Tokenizer.Encode(expected[i].Text).Ids);
            double cosine = ReferenceData.Cosine(expected[i].Embedding, actual[i].Vector.Span);
            Assert.True(cosine >= 0.9999, $"'{expected[i].Text}': cosine {cosine}");
        }
    }

    [Fact]
    public async Task GenerateAsync_ReferenceImages_PixelsWithin0_02AndCosineAtLeast0_999()
    {
        using ClipModel model = Load();
        using var generator = new ClipImageEmbeddingGenerator(model, batchSize: 3);
        JsonElement[] images = [.. ReferenceData.LoadFrom(Fixture).GetProperty("images").EnumerateArray()];
        byte[][] files = [.. images.Select(e => File.ReadAllBytes(Path.Combine(SharedFixtures.ClipTiny, "images", e.GetProperty("file").GetString()!)))];

        GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync(files.Select(f => new DataContent(f, "image/*")), cancellationToken: TestContext.Current.CancellationToken);

        for (int i = 0; i < images.Length; i++)
        {
            string name = images[i].GetProperty("file").GetString()!;
            float[] expectedPixels = ReferenceData.ReadF32(Path.Combine(Fixture, "images", images[i].GetProperty("pixel_values_file").GetString()!));
            float[] pixels = new float[model.Preprocessor.TensorLength];
            model.Preprocessor.Preprocess(files[i], pixels);
            double mad = expectedPixels.Zip(pixels, (a, b) => Math.Abs(a - b)).Average();
            Assert.True(mad <= 0.02, $"{name}: pixel values differ by {mad} on average");
            double cosine = ReferenceData.Cosine(ImageEmbedding(images[i]), embeddings[i].Vector.Span);
            Assert.True(cosine >= 0.999, $"{name}: cosine {cosine}");
        }
    }
}

public sealed class SiglipTransformersParityTests : RetrievalModelParityTests
{
    protected override string Fixture => SharedFixtures.SiglipTiny;

    protected override ModelFamily ExpectedFamily => ModelFamily.Siglip;

    protected override ModelLayout ExpectedLayout => ModelLayout.TransformersJs;

    protected override IEnumerable<(string, int[], float[])> ExpectedTexts(JsonElement reference)
    {
        foreach (JsonElement e in reference.GetProperty("text").EnumerateArray())
        {
            // transformers runs the text as given; the canonical form is what open_clip and Immich feed.
            yield return (e.GetProperty("text").GetString()!, ReferenceData.Ints(e.GetProperty("ids_padded64")), ReferenceData.Floats(e.GetProperty("text_embeds")));
            yield return (e.GetProperty("canonical").GetString()!, ReferenceData.Ints(e.GetProperty("canonical_ids_padded64")), ReferenceData.Floats(e.GetProperty("canonical_text_embeds")));
        }
    }

    protected override float[] ImageEmbedding(JsonElement image) => ReferenceData.Floats(image.GetProperty("image_embeds"));

    [Fact]
    public async Task Calibration_ReferenceScaleAndBias_ProbabilitiesWithin1e3()
    {
        JsonElement reference = ReferenceData.LoadFrom(Fixture);
        using ClipModel model = Load(reference.GetProperty("logit_scale_exp").GetDouble(), reference.GetProperty("logit_bias").GetDouble());
        using var text = new ClipTextEmbeddingGenerator(model);
        using var images = new ClipImageEmbeddingGenerator(model);
        string[] texts = [.. reference.GetProperty("text").EnumerateArray().Select(e => e.GetProperty("text").GetString()!)];
        DataContent[] photos = [.. reference.GetProperty("images").EnumerateArray().Select(e => new DataContent(File.ReadAllBytes(Path.Combine(SharedFixtures.ClipTiny, "images", e.GetProperty("file").GetString()!)), "image/*"))];
        var t = await text.GenerateAsync(texts, cancellationToken: TestContext.Current.CancellationToken);
        var v = await images.GenerateAsync(photos, cancellationToken: TestContext.Current.CancellationToken);
        ScoreCalibration calibration = text.GetService<ScoreCalibration>()!;

        for (int i = 0; i < texts.Length; i++)
        {
            for (int j = 0; j < photos.Length; j++)
            {
                double expected = reference.GetProperty("probability_text_x_image")[i][j].GetDouble();
                double p = calibration.Probability(ReferenceData.Cosine(t[i].Vector.Span, v[j].Vector.Span));
                Assert.True(Math.Abs(expected - p) <= 1e-3, $"text {i} × image {j}: {p} against {expected}");
            }
        }
    }

    [Fact]
    public void Calibration_NotRecorded_IsNull()
    {
        using ClipModel model = Load();

        Assert.Null(model.Calibration);
    }
}

public sealed class SiglipImmichParityTests : RetrievalModelParityTests
{
    protected override string Fixture => SharedFixtures.SiglipImmichTiny;

    protected override ModelFamily ExpectedFamily => ModelFamily.Siglip;

    protected override ModelLayout ExpectedLayout => ModelLayout.Immich;

    protected override IEnumerable<(string, int[], float[])> ExpectedTexts(JsonElement reference) =>
        reference.GetProperty("text").EnumerateArray().Select(e => (e.GetProperty("text").GetString()!, ReferenceData.Ints(e.GetProperty("ids")), ReferenceData.Floats(e.GetProperty("embedding"))));
}

public sealed class MClipImmichParityTests : RetrievalModelParityTests
{
    protected override string Fixture => SharedFixtures.MClipTiny;

    protected override ModelFamily ExpectedFamily => ModelFamily.MClip;

    protected override ModelLayout ExpectedLayout => ModelLayout.Immich;

    protected override IEnumerable<(string, int[], float[])> ExpectedTexts(JsonElement reference) =>
        reference.GetProperty("text").EnumerateArray().Select(e => (e.GetProperty("text").GetString()!, ReferenceData.Ints(e.GetProperty("ids")), ReferenceData.Floats(e.GetProperty("embedding"))));
}
