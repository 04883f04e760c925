using AgentRetrieval.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgentRetrieval.Tests.Images;

/// <summary>HEIC, AVIF and RAW previews through the one decoder seam, chosen by content, against the same photo as JPEG.</summary>
public sealed class PhotoFormatTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Photo(string name = "photo.jpg", string size = "800x600!") =>
        PhotoFormats.Jpeg(Path.Combine(SharedFixtures.Data, "demo-gallery", "coco_000000107438.jpg"), _dir.Combine(name), size);

    /// <summary>Mean absolute difference per channel (0-255) between two decoded images of the same size.</summary>
    private static double Difference(Image<Rgb24> a, Image<Rgb24> b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        double sum = 0;
        for (int y = 0; y < a.Height; y++)
        {
            for (int x = 0; x < a.Width; x++)
            {
                Rgb24 p = a[x, y], q = b[x, y];
                sum += Math.Abs(p.R - q.R) + Math.Abs(p.G - q.G) + Math.Abs(p.B - q.B);
            }
        }

        return sum / (3.0 * a.Width * a.Height);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadRgb_HeicOrAvifOfAJpeg_SamePictureSameSize(bool avif)
    {
        PhotoFormats.RequireTools();
        string jpeg = Photo();
        string encoded = PhotoFormats.Encode(jpeg, _dir.Combine(avif ? "photo.avif" : "photo.heic"), avif);
        byte[] data = File.ReadAllBytes(encoded);

        ImageInfo info = ImageLoader.Identify(data);
        using Image<Rgb24> reference = ImageLoader.LoadRgb(File.ReadAllBytes(jpeg));
        using Image<Rgb24> decoded = ImageLoader.LoadRgb(data);

        Assert.Equal(avif ? "AVIF" : "HEIC", info.Format);
        Assert.Equal((800, 600), (info.Width, info.Height));
        double diff = Difference(reference, decoded);
        TestContext.Current.TestOutputHelper?.WriteLine($"{info.Format}: mean absolute difference to the JPEG {diff:0.00} of 255");
        Assert.InRange(diff, 0, 6);
    }

    [Fact]
    public void LoadRgb_TenBitHeic_EightBitRgbOfTheSamePicture()
    {
        PhotoFormats.RequireTools();
        string jpeg = Photo();
        string png16 = _dir.Combine("deep.png");
        PhotoFormats.Run("/usr/bin/convert", jpeg, "-depth", "16", png16);
        string heic = _dir.Combine("deep.heic");
        PhotoFormats.Run(PhotoFormats.HeifEnc, "-b", "10", "-q", "90", png16, "-o", heic);

        using Image<Rgb24> reference = ImageLoader.LoadRgb(File.ReadAllBytes(jpeg));
        using Image<Rgb24> decoded = ImageLoader.LoadRgb(File.ReadAllBytes(heic));

        double diff = Difference(reference, decoded);
        TestContext.Current.TestOutputHelper?.WriteLine($"10-bit HEIC: mean absolute difference to the JPEG {diff:0.00} of 255");
        Assert.InRange(diff, 0, 6);
    }

    [Fact]
    public void LoadRgb_HeicNamedJpg_DecodedByContent()
    {
        PhotoFormats.RequireTools();
        string heic = PhotoFormats.Encode(Photo(), _dir.Combine("x.heic"), avif: false);
        File.Move(heic, _dir.Combine("disguised.jpg"));

        using Image<Rgb24> image = ImageLoader.LoadRgb(File.ReadAllBytes(_dir.Combine("disguised.jpg")));

        Assert.Equal((800, 600), (image.Width, image.Height));
    }

    [Fact]
    public void LoadRgb_RotatedJpegAsHeic_UprightOnce()
    {
        PhotoFormats.RequireTools();
        string jpeg = Photo("rotated.jpg");
        PhotoFormats.Run(PhotoFormats.ExifTool, "-q", "-overwrite_original", "-Orientation#=6", jpeg);
        string heic = PhotoFormats.Encode(jpeg, _dir.Combine("rotated.heic"), avif: false);

        using Image<Rgb24> upright = ImageLoader.LoadRgb(File.ReadAllBytes(jpeg));
        using Image<Rgb24> decoded = ImageLoader.LoadRgb(File.ReadAllBytes(heic));

        Assert.Equal((600, 800), (upright.Width, upright.Height));
        Assert.InRange(Difference(upright, decoded), 0, 6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Identify_TruncatedHeicOrAvif_Refused(bool avif)
    {
        PhotoFormats.RequireTools();
        byte[] data = File.ReadAllBytes(PhotoFormats.Encode(Photo(), _dir.Combine(avif ? "t.avif" : "t.heic"), avif));

        var ex = Assert.Throws<InvalidImageException>(() => ImageLoader.LoadRgb(data.AsMemory(0, data.Length * 2 / 3)));

        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void LoadRgb_HeicOverThePixelLimit_RefusedFromTheHeader()
    {
        PhotoFormats.RequireTools();
        byte[] data = File.ReadAllBytes(PhotoFormats.Encode(Photo(), _dir.Combine("big.heic"), avif: false));

        var ex = Assert.Throws<InvalidImageException>(() => ImageLoader.LoadRgb(data, maxPixels: 100_000));

        Assert.Contains("over the limit", ex.Message);
    }

    [Fact]
    public void LoadRgb_RawWithPreview_ThePreviewTurnedAsTheRawSays()
    {
        PhotoFormats.RequireTools();
        string preview = Photo("preview.jpg");
        string raw = PhotoFormats.RawWithPreview(preview, _dir.Combine("DSC_0001.NEF"), orientation: 6, "-Make=NIKON CORPORATION", "-Model=NIKON D750");

        byte[] data = File.ReadAllBytes(raw);
        ImageInfo info = ImageLoader.Identify(data);
        using Image<Rgb24> decoded = ImageLoader.LoadRgb(data);
        using Image<Rgb24> reference = ImageLoader.LoadRgb(File.ReadAllBytes(preview));
        reference.Mutate(x => x.Rotate(RotateMode.Rotate90));

        Assert.Equal(("RAW", 800, 600), (info.Format, info.Width, info.Height));
        Assert.Equal((600, 800), (decoded.Width, decoded.Height));
        Assert.InRange(Difference(reference, decoded), 0, 1);
    }

    [Fact]
    public void Identify_RawWithoutPreview_SaysSo()
    {
        PhotoFormats.RequireTools();
        string raw = PhotoFormats.RawWithoutPreview(Photo(), _dir.Combine("IMG_0001.CR2"));

        var ex = Assert.Throws<InvalidImageException>(() => ImageLoader.Identify(File.ReadAllBytes(raw)));

        Assert.Contains("without an embedded JPEG preview", ex.Message);
    }

    [Fact]
    public void Identify_OrdinaryTiff_StillATiff()
    {
        PhotoFormats.RequireTools();
        string tiff = _dir.Combine("scan.tif");
        PhotoFormats.Run("/usr/bin/convert", Photo(), tiff);

        Assert.Equal("TIFF", ImageLoader.Identify(File.ReadAllBytes(tiff)).Format);
    }

    [Fact]
    public void ToCommonFormat_BrowsersAndModelsGetWhatTheyRead()
    {
        PhotoFormats.RequireTools();
        string jpeg = Photo();
        byte[] jpegBytes = File.ReadAllBytes(jpeg);
        byte[] heic = File.ReadAllBytes(PhotoFormats.Encode(jpeg, _dir.Combine("c.heic"), avif: false));
        byte[] avif = File.ReadAllBytes(PhotoFormats.Encode(jpeg, _dir.Combine("c.avif"), avif: true));

        Assert.Same(jpegBytes, ImageLoader.ToCommonFormat(jpegBytes).Data);
        Assert.Equal("image/avif", ImageLoader.ToCommonFormat(avif).MediaType);
        (byte[] forModel, string modelType) = ImageLoader.ToCommonFormat(avif, modernFormats: false);
        (byte[] fromHeic, string heicType) = ImageLoader.ToCommonFormat(heic);

        Assert.Equal(("image/jpeg", "image/jpeg"), (modelType, heicType));
        Assert.Equal("JPEG", ImageLoader.Identify(forModel).Format);
        using Image<Rgb24> reference = ImageLoader.LoadRgb(jpegBytes);
        using Image<Rgb24> converted = ImageLoader.LoadRgb(fromHeic);
        Assert.InRange(Difference(reference, converted), 0, 6);
    }

    [Fact]
    public void HasTransform_OnlyTheMetaBoxCounts()
    {
        PhotoFormats.RequireTools();
        byte[] plain = File.ReadAllBytes(PhotoFormats.Encode(Photo(), _dir.Combine("p.heic"), avif: false));
        Assert.False(HeifContainer.HasTransform(plain));

        static byte[] Box(string type, byte[] body) =>
            [.. BitConverter.GetBytes(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(8 + body.Length)), .. System.Text.Encoding.ASCII.GetBytes(type), .. body];
        byte[] ftyp = Box("ftyp", [.. "heic"u8, 0, 0, 0, 0, .. "mif1heic"u8]);
        byte[] rotated = [.. ftyp, .. Box("meta", [0, 0, 0, 0, .. Box("iprp", Box("ipco", Box("irot", [1])))]), .. Box("mdat", new byte[32])];
        byte[] noise = [.. ftyp, .. Box("meta", [0, 0, 0, 0, .. Box("hdlr", new byte[24])]), .. Box("mdat", [.. new byte[9], .. "irot"u8, .. new byte[9]])];

        Assert.True(HeifContainer.HasTransform(rotated));
        Assert.False(HeifContainer.HasTransform(noise)); // the letters 'irot' inside the image data are not a property
    }
}
