using System.Text.Json;
using AgentRetrieval.Imaging;
using AgentRetrieval.Onnx.Clip;
using SixLabors.ImageSharp.Processing;

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
    [InlineData("australia.jpg", 1)]
    [InlineData("city-1280.jpg", 1)]
    [InlineData("landscape.jpg", 2)]
    public void Preprocess_ScaledDecode_ReferencePixelsWithinTheSameTolerance(string file, int scale)
    {
        // With scaled decoding on, a JPEG whose short side stays at least twice the resize target is decoded at 1/2,
        // 1/4 or 1/8 from the DCT; the pixels must stay as close to the reference as the full-size path is required to.
        var config = ClipImageProcessorConfig.Load(Path.Combine(SharedFixtures.ClipTiny, "preprocessor_config.json"));
        var preprocessor = new ClipImagePreprocessor(config, scaledDecode: true);
        Assert.Equal(448, preprocessor.MinDecodeShortSide);
        byte[] data = File.ReadAllBytes(Path.Combine(SharedFixtures.ClipTiny, "images", file));
        ImageInfo info = ImageLoader.Identify(data);
        Assert.Equal(scale, ImageLoader.DecodeScaleFor(info, preprocessor.MinDecodeShortSide));

        float[] expected = ReferenceData.ReadF32(Path.Combine(SharedFixtures.ClipTiny, "images", file + ".pixel_values.f32"));
        float[] actual = new float[preprocessor.TensorLength];
        preprocessor.Preprocess(data, actual);

        double mad = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Average();
        Assert.True(mad <= 0.02, $"{file}: mean absolute difference {mad:0.00000} (decoded at 1/{scale})");
    }

    [Theory]
    [InlineData(4000, 3000, 448, 4)]
    [InlineData(4000, 3000, 0, 1)]
    [InlineData(1600, 1068, 448, 2)]
    [InlineData(800, 600, 448, 1)]
    [InlineData(12000, 9000, 448, 8)]
    public void ScaleFor_KeepsTheShortSideAtLeastTheFloor(int width, int height, int floor, int expected)
    {
        Assert.Equal(expected, ImageLoader.DecodeScaleFor(new ImageInfo("JPEG", width, height, null), floor));
    }

    [Fact]
    public void LoadRgb_ScaledJpegWithOrientation_ComesOutUpright()
    {
        // A 1200×900 landscape JPEG whose EXIF says "rotate 90°": upright it is portrait, at any decode scale.
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(1200, 900);
        image.Metadata.ExifProfile = new SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifProfile();
        image.Metadata.ExifProfile.SetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.Orientation, (ushort)6);
        using var stream = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsJpeg(image, stream);
        byte[] data = stream.ToArray();

        using var full = ImageLoader.LoadRgb(data);
        using var scaled = ImageLoader.LoadRgb(data, ImageLoader.DefaultMaxPixels, 200);

        Assert.Equal((900, 1200), (full.Width, full.Height));
        Assert.Equal((225, 300), (scaled.Width, scaled.Height)); // 1/4 scale, turned
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

    [Theory]
    [InlineData(3000, 40)]
    [InlineData(30, 2600)]
    public void Preprocess_VeryWideOrTallImage_CentreWindowGivesTheFullPathsPixels(int width, int height)
    {
        // Wide enough for the bounded path (resized long side over 4 × 224), small enough to run the full path too.
        var preprocessor = new ClipImagePreprocessor(ClipImageProcessorConfig.Load(Path.Combine(SharedFixtures.ClipTiny, "preprocessor_config.json")));
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(width, height);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image[x, y] = new((byte)(x * 7), (byte)(y * 11), (byte)((x + y) * 3));
            }
        }

        float[] bounded = new float[preprocessor.TensorLength];
        preprocessor.Preprocess(image.Clone(), bounded);

        // The reference: resize the whole image, then centre-crop.
        (int w, int h) = ClipImagePreprocessor.ResizedSize(width, height, 224);
        using var full = image.Clone(c => c.Resize(new SixLabors.ImageSharp.Processing.ResizeOptions { Size = new(w, h), Mode = SixLabors.ImageSharp.Processing.ResizeMode.Stretch, Sampler = SixLabors.ImageSharp.Processing.KnownResamplers.Bicubic, Compand = false }));
        using var cropped = full.Clone(c => c.Crop(new SixLabors.ImageSharp.Rectangle((w - 224) / 2, (h - 224) / 2, 224, 224)));
        float[] reference = new float[preprocessor.TensorLength];
        preprocessor.Preprocess(cropped, reference);

        double mad = reference.Zip(bounded, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(mad <= 0.02, $"mean absolute difference {mad:0.0000}");
    }

    [Theory]
    [InlineData(28_000, 1)]
    [InlineData(1, 100_000)]
    public void Preprocess_ExtremeAspectRatio_Succeeds(int width, int height)
    {
        // Before the fix: 28,000×1 upscaled to 6.3 million × 224 (8.5 GB), 1×100,000 failed to allocate.
        var preprocessor = new ClipImagePreprocessor(ClipImageProcessorConfig.Load(Path.Combine(SharedFixtures.ClipTiny, "preprocessor_config.json")));
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(width, height, new SixLabors.ImageSharp.PixelFormats.Rgb24(200, 30, 30));
        float[] values = new float[preprocessor.TensorLength];
        long before = GC.GetTotalAllocatedBytes(precise: true);
        preprocessor.Preprocess(image, values);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 200_000_000, $"allocated {allocated / 1e6:0} MB");
        Assert.All(values, v => Assert.True(float.IsFinite(v)));
    }
}
