using System.Text.Json;
using AgentRetrieval.Onnx.Clip;

namespace AgentRetrieval.Tests.Clip;

/// <summary>The quantized and fp16 exports reproduce variants_reference.json (what ONNX Runtime computes with each variant).</summary>
public sealed class ClipModelVariantTests
{
    [Theory]
    [InlineData("quantized")]
    [InlineData("fp16")]
    public void RunText_Variant_MatchesVariantReference(string variant)
    {
        JsonElement reference = ReferenceData.Load();
        JsonElement variants = ReferenceData.Load("variants_reference.json").GetProperty("text").GetProperty(variant);
        using ClipModel model = ClipModel.Load(new ClipModelOptions { ModelDirectory = SharedFixtures.ClipTiny, Variant = variant });
        Assert.Contains(variant, Path.GetFileName(model.Files.TextModel));
        int[][] ids = [.. reference.GetProperty("text").EnumerateArray().Select(e => ReferenceData.Ints(e.GetProperty("ids")))];

        // All in one call: with dynamic quantization the batch must not change a vector.
        float[][] vectors = model.RunText(ids, TestContext.Current.CancellationToken);

        for (int i = 0; i < ids.Length; i++)
        {
            double cosine = ReferenceData.Cosine(ReferenceData.Floats(variants[i].GetProperty("text_embeds")), vectors[i]);
            Assert.True(cosine >= 0.999, $"{variant} text {i}: cosine {cosine}");
        }
    }

    [Theory]
    [InlineData("quantized")]
    [InlineData("fp16")]
    public void RunVision_Variant_MatchesVariantReference(string variant)
    {
        JsonElement variants = ReferenceData.Load("variants_reference.json").GetProperty("images").GetProperty(variant);
        using ClipModel model = ClipModel.Load(new ClipModelOptions { ModelDirectory = SharedFixtures.ClipTiny, Variant = variant });
        Assert.Contains(variant, Path.GetFileName(model.Files.VisionModel));

        foreach (JsonElement image in variants.EnumerateArray())
        {
            float[] pixels = ReferenceData.ReadF32(Path.Combine(SharedFixtures.ClipTiny, "images", image.GetProperty("file").GetString() + ".pixel_values.f32"));
            float[] vector = model.RunVision(pixels, 1, TestContext.Current.CancellationToken)[0];
            double cosine = ReferenceData.Cosine(ReferenceData.Floats(image.GetProperty("image_embeds")), vector);
            Assert.True(cosine >= 0.999, $"{variant} {image.GetProperty("file").GetString()}: cosine {cosine}");
        }
    }

    [Fact]
    public void Identity_DiffersBetweenVariants()
    {
        using ClipModel full = ClipModel.Load(new ClipModelOptions { ModelDirectory = SharedFixtures.ClipTiny });
        using ClipModel quantized = ClipModel.Load(new ClipModelOptions { ModelDirectory = SharedFixtures.ClipTiny, Variant = "quantized" });

        Assert.False(full.Identity.IsCompatibleWith(quantized.Identity));
        Assert.Equal(16, full.Dimensions);
        Assert.Equal(64, full.Identity.FileHashes["onnx/text_model.onnx"].Length);
    }

    [Fact]
    public void Load_FolderWithoutModels_ThrowsWithExpectedLayout()
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(SharedFixtures.ClipTiny, "preprocessor_config.json"), dir.Combine("preprocessor_config.json"));
        File.Copy(Path.Combine(SharedFixtures.ClipTiny, "tokenizer.json"), dir.Combine("tokenizer.json"));

        var ex = Assert.Throws<FileNotFoundException>(() => ClipModel.Load(new ClipModelOptions { ModelDirectory = dir.Path }));

        Assert.Contains("onnx/text_model.onnx", ex.Message);
    }

    [Fact]
    public void Load_CorruptOnnxFile_ThrowsInvalidData()
    {
        using var dir = new TempDirectory();
        foreach (string f in new[] { "preprocessor_config.json", "tokenizer.json", "config.json" })
        {
            File.Copy(Path.Combine(SharedFixtures.ClipTiny, f), dir.Combine(f));
        }

        Directory.CreateDirectory(dir.Combine("onnx"));
        File.WriteAllText(dir.Combine("onnx", "text_model.onnx"), "not a model");
        File.WriteAllText(dir.Combine("onnx", "vision_model.onnx"), "not a model");

        var ex = Assert.Throws<InvalidDataException>(() => ClipModel.Load(new ClipModelOptions { ModelDirectory = dir.Path }));

        Assert.Contains("not a valid ONNX model", ex.Message);
    }
}
