using System.Text.Json;
using AgentRetrieval.Imaging;
using AgentRetrieval.Onnx.Clip;

namespace AgentRetrieval.Tests.Clip;

public sealed class ClipImagePreprocessorTests
{
    public static TheoryData<string> ReferenceImages() =>
        ["australia.jpg", "city-1280.jpg", "gray-panorama.png", "landscape.jpg", "palette-96x64.gif", "rgba-portrait.png", "tiny-13x9.png"];

    [Theory]
    [MemberData(nameof(ReferenceImages))]
    public void Preprocess_ReferenceImage_PixelValuesWithin0_02MeanAbsoluteDifference(string file)
    {
        var preprocessor = new ClipImagePreprocessor(ClipImageProcessorConfig.Load(Path.Combine(SharedFixtures.ClipTiny, "preprocessor_config.json")));
        float[] expected = ReferenceData.ReadF32(Path.Combine(SharedFixtures.ClipTiny, "images", file + ".pixel_values.f32"));
        float[] actual = new float[preprocessor.TensorLength];

        preprocessor.Preprocess(File.ReadAllBytes(Path.Combine(SharedFixtures.ClipTiny, "images", file)), actual);

        Assert.Equal(expected.Length, actual.Length);
        double mad = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            mad += Math.Abs(expected[i] - actual[i]);
        }

        mad /= expected.Length;
        Assert.True(mad <= 0.02, $"{file}: mean absolute difference {mad:0.00000}");
    }

    [Theory]
    [InlineData(1300, 876, 332, 224)]
    [InlineData(640, 120, 1194, 224)]
    [InlineData(13, 9, 323, 224)]
    [InlineData(200, 300, 224, 336)]
    public void ResizedSize_TruncatesLongSideLikeReference(int w, int h, int ew, int eh)
    {
        Assert.Equal((ew, eh), ClipImagePreprocessor.ResizedSize(w, h, 224));
    }

    [Fact]
    public void Preprocess_OverPixelLimit_ThrowsBeforeDecoding()
    {
        var preprocessor = new ClipImagePreprocessor(new ClipImageProcessorConfig(), maxPixels: 1000);
        byte[] data = File.ReadAllBytes(Path.Combine(SharedFixtures.ClipTiny, "images", "australia.jpg"));

        var ex = Assert.Throws<InvalidImageException>(() => preprocessor.Preprocess(data, new float[preprocessor.TensorLength]));

        Assert.Contains("megapixels", ex.Message);
    }
}
