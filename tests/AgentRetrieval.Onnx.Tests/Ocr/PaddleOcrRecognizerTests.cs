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
        TestContext.Current.TestOutputHelper?.WriteLine($"OCR \"{text}\" ({font} {size}pt, {rotation}°, {background}) → \"{read}\" CER {cer:0.000}");
        Assert.True(cer <= 0.15, $"read \"{read}\" for \"{text}\" (CER {cer:0.00})");
        Assert.All(lines, l => Assert.InRange(l.Confidence, 0.5f, 1f));
    }

    /// <summary>
    /// The OCR accuracy set: harder than the cases above (small type, steep tilts, a vertical line, oblique and light
    /// fonts, low contrast, two lines, busy photo backgrounds). Reports the character error rate and word recall of
    /// each and of the whole set; the floor it asserts is far below what it measures, so it catches breakage, not noise.
    /// </summary>
    [Fact]
    public async Task Accuracy_RenderedSet_CharacterErrorRateAndWordRecall()
    {
        RenderedText.RequireTools();
        (string Text, string Font, int Size, int Rotation, string Background)[] set =
        [
            ("FRESH FISH", "DejaVu-Sans", 56, 0, "white"),
            ("Open 24 hours", "DejaVu-Sans-Bold", 44, 0, "photo"),
            ("Total 12.50 EUR", "DejaVu-Sans", 40, 180, "white"),
            ("Platform 9", "DejaVu-Serif", 48, 5, "white"),
            ("NO PARKING", "DejaVu-Sans-Bold", 64, -8, "photo"),
            ("Welcome to Lisbon", "DejaVu-Sans-Mono", 36, 0, "white"),
            ("small print matters", "DejaVu-Sans", 16, 0, "white"),
            ("tiny label 42", "DejaVu-Serif", 12, 0, "white"),
            ("Tilted sign", "DejaVu-Sans-Bold", 48, 15, "white"),
            ("Steep angle", "DejaVu-Sans-Bold", 48, 30, "photo"),
            ("VERTICAL", "DejaVu-Sans-Bold", 48, 90, "white"),
            ("Oblique words here", "DejaVu-Sans-Oblique", 40, 0, "white"),
            ("Light and thin", "DejaVu-Sans-ExtraLight", 44, 0, "white"),
            ("Low contrast", "DejaVu-Sans", 44, 0, "gray"),
            ("Line one\nLine two", "DejaVu-Sans", 40, 0, "white"),
            ("Museum Cafe 1987", "DejaVu-Serif-Bold", 36, 0, "photo"),
        ];
        double cerSum = 0;
        int words = 0, wordsFound = 0;
        foreach ((string text, string font, int size, int rotation, string background) in set)
        {
            string path = Render(text, font, size, rotation, background);
            IReadOnlyList<RecognizedLine> lines = await s_ocr.Value.RecognizeAsync(File.ReadAllBytes(path), TestContext.Current.CancellationToken);
            string expected = text.Replace("\n", " ", StringComparison.Ordinal);
            string read = string.Join(' ', lines.Select(l => l.Text));
            // The photo holds text of its own (a museum sign): score the lines that best match.
            if (background == "photo")
            {
                read = string.Join(' ', lines.Where(l => RenderedText.CharacterErrorRate(l.Text, expected) < 0.8 || expected.Contains(l.Text, StringComparison.OrdinalIgnoreCase)).Select(l => l.Text));
            }

            double cer = Math.Min(1, RenderedText.CharacterErrorRate(expected, read));
            string[] expectedWords = expected.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            int found = expectedWords.Count(w => read.Contains(w, StringComparison.OrdinalIgnoreCase));
            cerSum += cer;
            words += expectedWords.Length;
            wordsFound += found;
            TestContext.Current.TestOutputHelper?.WriteLine($"OCR-SET \"{expected}\" ({font} {size}pt, {rotation}°, {background}) → \"{read}\" CER {cer:0.000}, words {found}/{expectedWords.Length}");
        }

        double meanCer = cerSum / set.Length, recall = wordsFound / (double)words;
        TestContext.Current.TestOutputHelper?.WriteLine($"OCR-SET all {set.Length} images: mean CER {meanCer:0.000}, word recall {recall:0.000} ({wordsFound}/{words})");
        Assert.True(meanCer <= 0.35 && recall >= 0.6, $"mean CER {meanCer:0.000}, word recall {recall:0.000}");
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

    /// <summary>A folder in monkt/paddleocr-onnx's layout: a recognition model and its dictionary, no detector.</summary>
    private string RecognitionOnlyFolder(string dictionaryText)
    {
        string keys = SharedFixtures.RequireRegistryData("ocr/ppocr-v4-mobile/ppocr_keys_v1.txt");
        string dir = Path.Combine(_dir.Path, "ppocr-rec-latin");
        string lang = Path.Combine(dir, "languages", "latin");
        Directory.CreateDirectory(lang);
        File.Copy(Path.Combine(Path.GetDirectoryName(keys)!, "ch_PP-OCRv4_rec_infer.onnx"), Path.Combine(lang, "rec.onnx"));
        File.WriteAllText(Path.Combine(lang, "dict.txt"), dictionaryText);
        return dir;
    }

    [Fact]
    public async Task Find_RecognitionOnlyFolder_UsesTheBundledDetectorAndClassifier()
    {
        string dir = RecognitionOnlyFolder(File.ReadAllText(SharedFixtures.RequireRegistryData("ocr/ppocr-v4-mobile/ppocr_keys_v1.txt")));

        var alone = Assert.Throws<FileNotFoundException>(() => PaddleOcrFiles.Find(dir));
        Assert.Contains("detection model", alone.Message);
        Assert.DoesNotContain("recognition model", alone.Message);

        PaddleOcrFiles files = PaddleOcrFiles.Find(dir, PaddleOcrFiles.DefaultDirectory);
        Assert.Equal(Path.Combine(dir, "languages", "latin", "rec.onnx"), files.Recognition);
        Assert.StartsWith(PaddleOcrFiles.DefaultDirectory, files.Detection);
        Assert.StartsWith(PaddleOcrFiles.DefaultDirectory, files.Classifier);
        using var ocr = new PaddleOcrRecognizer(files);
        RenderedText.RequireTools();
        IReadOnlyList<RecognizedLine> lines = await ocr.RecognizeAsync(File.ReadAllBytes(Render("FRESH FISH", "DejaVu-Sans", 56, 0, "white")), TestContext.Current.CancellationToken);
        Assert.Contains(lines, l => l.Text.Contains("FISH", StringComparison.Ordinal));
    }

    [Fact]
    public void Constructor_DictionaryThatDoesNotFitTheModel_SaysWhy()
    {
        string dir = RecognitionOnlyFolder("a\nb\nc\n");

        var ex = Assert.Throws<InvalidDataException>(() => new PaddleOcrRecognizer(PaddleOcrFiles.Find(dir, PaddleOcrFiles.DefaultDirectory)));

        Assert.Contains("its dictionary has 3 characters", ex.Message);
    }

    [Fact]
    public void ComputeVersion_BundledIsOneAndAnotherModelOrDictionaryHasItsOwn()
    {
        SharedFixtures.RequireRegistryData("ocr/ppocr-v4-mobile/ppocr_keys_v1.txt");
        PaddleOcrFiles bundled = PaddleOcrFiles.Find(PaddleOcrFiles.DefaultDirectory);
        Assert.Equal(1, bundled.ComputeVersion());

        // Another recognition model (here: the classifier's bytes standing in for one) gets a stable number of its own.
        string other = Path.Combine(_dir.Path, "other.onnx");
        File.Copy(bundled.Classifier, other);
        PaddleOcrFiles changed = bundled with { Recognition = other };
        int v = changed.ComputeVersion();
        Assert.NotEqual(1, v);
        Assert.True(v > 1);
        Assert.Equal(v, changed.ComputeVersion());

        string dict = Path.Combine(_dir.Path, "dict.txt");
        File.WriteAllText(dict, "x\n");
        Assert.NotEqual(v, (changed with { Dictionary = dict }).ComputeVersion());
    }

    private string Render(string text, string font, int size, int rotation, string background)
    {
        string output = Path.Combine(_dir.Path, Guid.NewGuid().ToString("N") + ".png");
        if (text.Contains("\\n", StringComparison.Ordinal))
        {
            text = text.Replace("\\n", "\n", StringComparison.Ordinal);
        }

        List<string> args = background == "photo"
            ? [Path.Combine(SharedFixtures.Data, "demo-gallery", "coco_000000000790.jpg"), "-resize", "900x", "-gravity", "center", "-font", font, "-pointsize", size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-fill", "white", "-stroke", "black", "-strokewidth", "2", "-annotate", $"{rotation}x{rotation}+0+0", text]
            : ["-size", "900x300", background == "gray" ? "xc:#9a9a9a" : "xc:white", "-gravity", "center", "-font", font, "-pointsize", size.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "-fill", background == "gray" ? "#6a6a6a" : "black", "-annotate", $"{rotation}x{rotation}+0+0", text];
        return RenderedText.Render(output, [.. args]);
    }
}
