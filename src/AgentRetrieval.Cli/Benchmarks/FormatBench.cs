using System.Diagnostics;
using System.Numerics.Tensors;
using AgentRetrieval.Imaging;
using Microsoft.Extensions.AI;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgentRetrieval.Cli.Benchmarks;

/// <summary>
/// Decode cost per format at camera size, and how far each format moves the embedding: the same photos scaled to the
/// given megapixels and saved as JPEG (quality 92), HEIC and AVIF (quality 90, with libheif's heif-enc) and a RAW-like
/// file (a TIFF with the JPEG embedded as its preview); each decoded three times, and embedded with the model in use.
/// </summary>
internal static class FormatBench
{
    public sealed record Result(double Megapixels, int Photos, string Model, IReadOnlyDictionary<string, double> DecodeMs, IReadOnlyDictionary<string, (double Min, double Mean)> CosineToJpeg, string? Note);

    public static async Task<Result> RunAsync(IReadOnlyList<string> photos, double megapixels, IEmbeddingGenerator<DataContent, Embedding<float>> encoder, string modelName, Action<string> log, CancellationToken cancellationToken)
    {
        string dir = Path.Combine(Path.GetTempPath(), "agentretrieval-formats-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        bool heifEnc = File.Exists("/usr/bin/heif-enc");
        var decode = new Dictionary<string, List<double>>();
        var cosines = new Dictionary<string, List<double>>();
        try
        {
            int n = 0;
            foreach (string photo in photos)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var files = new Dictionary<string, byte[]>();
                using (Image<Rgb24> source = ImageLoader.LoadRgb(File.ReadAllBytes(photo)))
                {
                    double scale = Math.Sqrt(megapixels * 1e6 / ((double)source.Width * source.Height));
                    source.Mutate(x => x.Resize((int)(source.Width * scale), (int)(source.Height * scale), KnownResamplers.Bicubic));
                    string jpeg = Path.Combine(dir, $"{n}.jpg");
                    await source.SaveAsJpegAsync(jpeg, new JpegEncoder { Quality = 92 }, cancellationToken);
                    files["jpeg"] = await File.ReadAllBytesAsync(jpeg, cancellationToken);
                    if (heifEnc)
                    {
                        foreach ((string name, string[] args) in new[] { ("heic", new[] { "-q", "90" }), ("avif", new[] { "-A", "-q", "90" }) })
                        {
                            string output = Path.Combine(dir, $"{n}.{name}");
                            if (Run("/usr/bin/heif-enc", [.. args, jpeg, "-o", output]))
                            {
                                files[name] = await File.ReadAllBytesAsync(output, cancellationToken);
                            }
                        }
                    }

                    using var thumb = source.Clone(x => x.Resize(160, 120));
                    using var tiff = new MemoryStream();
                    await thumb.SaveAsTiffAsync(tiff, new TiffEncoder(), cancellationToken);
                    files["raw preview"] = [.. tiff.ToArray(), .. new byte[64], .. files["jpeg"]];
                }

                Embedding<float>? reference = null;
                foreach ((string format, byte[] data) in files)
                {
                    var sw = new Stopwatch();
                    for (int r = 0; r < 3; r++)
                    {
                        sw.Start();
                        using Image<Rgb24> decoded = ImageLoader.LoadRgb(data, (long)(megapixels * 1.5e6) + 1_000_000);
                        sw.Stop();
                    }

                    Add(decode, format, sw.Elapsed.TotalMilliseconds / 3);
                    Embedding<float> e = (await encoder.GenerateAsync([new DataContent(data, "application/octet-stream")], cancellationToken: cancellationToken))[0];
                    if (format == "jpeg")
                    {
                        reference = e;
                    }
                    else if (reference is not null)
                    {
                        Add(cosines, format, TensorPrimitives.CosineSimilarity(reference.Vector.Span, e.Vector.Span));
                    }
                }

                n++;
                log($"  photo {n}/{photos.Count}: " + string.Join(", ", decode.Select(kv => $"{kv.Key} {kv.Value[^1]:0} ms")));
            }

            return new Result(megapixels, n, modelName, decode.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value.Average(), 1)),
                cosines.ToDictionary(kv => kv.Key, kv => (Math.Round(kv.Value.Min(), 4), Math.Round(kv.Value.Average(), 4))),
                heifEnc ? null : "heif-enc (libheif-examples) is not installed: HEIC and AVIF were not measured");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void Add(Dictionary<string, List<double>> d, string key, double value)
    {
        if (!d.TryGetValue(key, out List<double>? list))
        {
            d[key] = list = [];
        }

        list.Add(value);
    }

    private static bool Run(string file, string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0;
    }
}
