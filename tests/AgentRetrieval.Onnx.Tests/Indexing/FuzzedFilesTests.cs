using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Clip;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgentRetrieval.Tests.Indexing;

/// <summary>
/// A bounded, seeded fuzz run: mutated JPEG, PNG, GIF, WebP, TIFF and BMP files (cut short at many points, header bytes
/// changed, random runs overwritten, a JPEG frame header removed) mixed with good photos, indexed with the real CLIP
/// encoder. No crash, no hang, every good photo indexed, every file accounted for, every cut file reported.
/// </summary>
public sealed class FuzzedFilesTests
{
    private const int MutantsPerFormat = 40;

    [Fact]
    public async Task IndexAsync_FuzzedFilesAmongGoodPhotos_NoCrashEveryGoodOneIndexedEveryCutOneReported()
    {
        using var dir = new TempDirectory();
        string folder = dir.Combine("photos");
        Directory.CreateDirectory(folder);
        var rng = new Random(20261127);
        var truncated = new HashSet<string>(StringComparer.Ordinal);
        var good = new List<string>();
        var perFormat = new Dictionary<string, int>();
        foreach ((string ext, Func<Image<Rgb24>, byte[]> encode) in Encoders())
        {
            using Image<Rgb24> image = Picture(96, 64, (byte)ext.Length);
            byte[] original = encode(image);
            string goodPath = Path.Combine(folder, $"good.{ext}");
            File.WriteAllBytes(goodPath, original);
            good.Add(goodPath);
            for (int i = 0; i < MutantsPerFormat; i++)
            {
                string path = Path.Combine(folder, $"m{i:00}.{ext}");
                byte[] m = Mutate(original, i, rng, ext, out bool cut);
                File.WriteAllBytes(path, m);
                if (cut)
                {
                    truncated.Add(path);
                }
            }

            perFormat[ext] = MutantsPerFormat;
        }

        using ClipModel clip = ClipModel.Load(new ClipModelOptions { ModelDirectory = SharedFixtures.ClipTiny });
        using var encoder = new ClipImageEmbeddingGenerator(clip, 8);
        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Combine("index"));
        IndexReport report = await new FolderIndexer(encoder, clip.Identity, index, new IndexingOptions { BatchSize = 8 })
            .IndexAsync(folder, cancellationToken: TestContext.Current.CancellationToken);

        var skipped = report.Skipped.ToDictionary(s => s.Path, s => s.Reason, StringComparer.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine($"fuzz: {string.Join(", ", perFormat.Select(kv => $"{kv.Value} {kv.Key}"))} mutants + {good.Count} good; {report.Embedded + report.Reused} indexed, {report.Skipped.Count} reported");
        Assert.All(good, g => Assert.NotNull(index.GetIdByPath(g)));
        Assert.All(truncated, t => Assert.True(skipped.ContainsKey(t), $"{Path.GetFileName(t)} was cut short but indexed"));
        Assert.Equal(report.Found, report.Embedded + report.Reused + report.Skipped.Count);
        Assert.All(report.Skipped, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
        Assert.DoesNotContain(report.Skipped, s => s.Reason.Contains("the model failed", StringComparison.Ordinal) && s.Reason.Contains("NullReference", StringComparison.Ordinal));
    }

    private static (string Ext, Func<Image<Rgb24>, byte[]> Encode)[] Encoders() =>
    [
        ("jpg", i => Save(i, (img, s) => img.SaveAsJpeg(s))),
        ("png", i => Save(i, (img, s) => img.SaveAsPng(s))),
        ("gif", i => Save(i, (img, s) => img.SaveAsGif(s))),
        ("webp", i => Save(i, (img, s) => img.SaveAsWebp(s))),
        ("tif", i => Save(i, (img, s) => img.SaveAsTiff(s))),
        ("bmp", i => Save(i, (img, s) => img.SaveAsBmp(s))),
    ];

    private static byte[] Save(Image<Rgb24> image, Action<Image<Rgb24>, MemoryStream> save)
    {
        using var ms = new MemoryStream();
        save(image, ms);
        return ms.ToArray();
    }

    private static Image<Rgb24> Picture(int w, int h, byte seed)
    {
        var image = new Image<Rgb24>(w, h);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                image[x, y] = new Rgb24((byte)((x * 5) + seed), (byte)((y * 9) ^ seed), (byte)((x * y) + seed));
            }
        }

        return image;
    }

    /// <summary>Mutation i of a file: cuts at many points, header byte changes, overwritten runs, a JPEG without SOF.</summary>
    private static byte[] Mutate(byte[] original, int i, Random rng, string ext, out bool cut)
    {
        cut = false;
        byte[] m = (byte[])original.Clone();
        switch (i % 4)
        {
            case 0:
            case 1:
                // Cut short anywhere from 5% to 95% (never inside the first 16 bytes, which only make "not an image").
                int length = Math.Max(16, (int)(original.Length * (0.05 + (0.9 * rng.NextDouble()))));
                cut = length < original.Length;
                return m[..length];
            case 2:
                // Header bytes changed.
                for (int k = 0; k < 3; k++)
                {
                    m[rng.Next(Math.Min(m.Length, 64))] = (byte)rng.Next(256);
                }

                if (ext == "jpg" && i % 8 == 2 && m.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]) is int sof and >= 0)
                {
                    m[sof + 1] = 0x01; // no frame header
                }

                return m;
            default:
                // A random run overwritten somewhere.
                int at = rng.Next(m.Length), run = Math.Min(m.Length - at, 1 + rng.Next(32));
                for (int k = 0; k < run; k++)
                {
                    m[at + k] = (byte)rng.Next(256);
                }

                return m;
        }
    }
}
