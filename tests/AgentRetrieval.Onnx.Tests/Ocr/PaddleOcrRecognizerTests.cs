using AgentRetrieval.Ocr;
using AgentRetrieval.Onnx.Ocr;

namespace AgentRetrieval.Tests.Ocr;

public sealed class PaddleOcrRecognizerTests : IDisposable
{
    private static readonly Lazy<PaddleOcrRecognizer> s_ocr = new(() =>
    {
        SharedFixtures.RequireRegistryData("ocr/ppocr-v4-mobile/ppocr_keys_v1.txt");
        return new PaddleOcrRecognizer(PaddleOcrFiles.Find(PaddleOcrFiles.DefaultDirectory));
    });

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// The OCR test set: (text, font, point size, rotation, background). Backgrounds are a plain page or a real photo
    /// behind the text; rotations include small tilts and upside-down lines (the direction classifier's job).
    /// </summary>
    public static TheoryData<string, string, int, int, string> Cases() => new()
    {
        { "FRESH FISH", "DejaVu-Sans", 56, 0, "white" },
        { "Open 24 hours", "DejaVu-Sans-Bold", 44, 0, "photo" },
        { "Total 12.50 EUR", "DejaVu-Sans", 40, 180, "white" },
        { "Platform 9", "DejaVu-Serif", 48, 5, "white" },
        { "NO PARKING", "DejaVu-Sans-Bold", 64, -8, "photo" },
        { "Welcome to Lisbon", "DejaVu-Sans-Mono", 36, 0, "white" },
        { "Coffee 2.80", "DejaVu-Serif-Bold", 30, 0, "photo" },
        { "EXIT", "DejaVu-Sans", 24, 0, "white" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task RecognizeAsync_RenderedText_ReadsIt(string text, string font, int size, int rotation, string background)
    {
        RenderedText.RequireTools();
        string path = Render(text, font, size, rotation, background);
        IReadOnlyList<RecognizedLine> lines = await s_ocr.Value.RecognizeAsync(File.ReadAllBytes(path), TestContext.Current.CancellationToken);
        // A photo behind the text may hold text of its own (the gallery's museum sign does): score the best-matching line.
        string read = lines.Count == 0 ? "" : lines.MinBy(l => RenderedText.CharacterErrorRate(text, l.Text))!.Text;
        if (lines.Count > 1 && RenderedText.CharacterErrorRate(text, string.Join(' ', lines.Select(l => l.Text))) < RenderedText.CharacterErrorRate(text, read))
        {
            read = string.Join(' ', lines.Select(l => l.Text));
        }

        double cer = RenderedText.CharacterErrorRate(text, read);
        TestContext.Current.SendDiagnosticMessage($"OCR \"{text}\" ({font} {size}pt, {rotation}°, {background}) → \"{read}\" CER {cer:0.000}");
        Assert.True(cer <= 0.15, $"read \"{read}\" for \"{text}\" (CER {cer:0.00})");
        Assert.All(lines, l => Assert.InRange(l.Confidence, 0.5f, 1f));
    }

    [Fact]
    public async Task RecognizeAsync_PlainPicture_ReadsNothing()
    {
        RenderedText.RequireTools();
        string path = RenderedText.Render(Path.Combine(_dir.Path, "plain.png"), "-size", "640x480", "gradient:skyblue-darkgreen", "-fill", "orange", "-draw", "circle 320,240 320,140");
        IReadOnlyList<RecognizedLine> lines = await s_ocr.Value.RecognizeAsync(File.ReadAllBytes(path), TestContext.Current.CancellationToken);
        Assert.Empty(lines);
    }

    [Fact]
    public async Task RecognizeAsync_RealSignInAPhoto_ReadsIt()
    {
        // The demo gallery's photo of a museum sign: real text, photographed.
        string photo = Path.Combine(SharedFixtures.Data, "demo-gallery", "coco_000000000790.jpg");
        IReadOnlyList<RecognizedLine> lines = await s_ocr.Value.RecognizeAsync(File.ReadAllBytes(photo), TestContext.Current.CancellationToken);
        Assert.Contains(lines, l => l.Text.Contains("MUSEUM", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Find_FolderWithoutModels_ListsWhatIsMissing()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => PaddleOcrFiles.Find(_dir.Path));
        Assert.Contains("detection model", ex.Message);
        Assert.Contains("dictionary", ex.Message);
    }

    private string Render(string text, string font, int size, int rotation, string background)
    {
        string output = Path.Combine(_dir.Path, Guid.NewGuid().ToString("N") + ".png");
        List<string> args = background == "photo"
            ? [Path.Combine(SharedFixtures.Data, "demo-gallery", "coco_000000000790.jpg"), "-resize", "900x", "-gravity", "center", "-font", font, "-pointsize", size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-fill", "white", "-stroke", "black", "-strokewidth", "2", "-annotate", $"{rotation}x{rotation}+0+0", text]
            : ["-size", "900x300", "xc:white", "-gravity", "center", "-font", font, "-pointsize", size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-fill", "black", "-annotate", $"{rotation}x{rotation}+0+0", text];
        return RenderedText.Render(output, [.. args]);
    }
}
