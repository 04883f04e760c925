using System.Diagnostics;
using System.Numerics.Tensors;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Imaging;
using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Clip;
using Microsoft.Extensions.AI;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgentRetrieval.Cli.Benchmarks;

/// <summary>
/// Indexing throughput with a real-size model on camera-size photos, split into its stages, each measured with every
/// core: decode, preprocess, the model; then the whole pipeline (<see cref="FolderIndexer"/>, OCR off) and its
/// efficiency against the rate decode+preprocess and the model would reach sharing the cores with no idle time,
/// 1 / (1/prepare + 1/model). Also what scaled JPEG decoding changes: the cosine of each photo's embedding to the
/// full-size decode's, on the given photos upscaled to the size and on synthetic ones.
/// </summary>
internal static class IngestBench
{
    public sealed record Result(string Model, double Megapixels, int Images, double DecodeImagesPerSecond, double PreprocessImagesPerSecond,
        double PrepareImagesPerSecond, double ModelImagesPerSecond, double PipelineImagesPerSecond, double PipelineEfficiency,
        double FullDecodeImagesPerSecond, double ScaledCosineMin, double ScaledCosineMean, int CosinePhotos, bool ScaledDecode,
        string CosineModel, double PixelMadMean, double PixelMadMax);

    /// <param name="modelDirectory">The model measured (a real one, or a runnable shape fixture).</param>
    /// <param name="qualityModel">The model whose embeddings judge scaled decoding (a shape fixture's are meaningless), or null for the measured one.</param>
    /// <param name="megapixels">The generated JPEGs' size.</param>
    /// <param name="count">How many JPEGs.</param>
    /// <param name="photos">Real photos to upscale for the first JPEGs.</param>
    /// <param name="indexing">Indexing settings (batch size, reader threads, limits).</param>
    /// <param name="batchSize">Images per model call.</param>
    /// <param name="log">Progress lines.</param>
    /// <param name="token">Cancels.</param>
    public static Result Run(string modelDirectory, string? qualityModel, double megapixels, int count, IReadOnlyList<string> photos, IndexingOptions indexing, int batchSize, Action<string> log, CancellationToken token)
    {
        string folder = Path.Combine(Path.GetTempPath(), "agentretrieval-bench-ingest-" + Guid.NewGuid().ToString("N"));
        string indexDir = folder + "-index";
        try
        {
            var sw = Stopwatch.StartNew();
            (int width, int height) = SizeFor(megapixels);
            string[] files = Create(folder, count, width, height, photos);
            log($"  {files.Length} JPEGs of {width}×{height} written in {sw.Elapsed.TotalSeconds:0.0} s ({files.Length - Math.Min(photos.Count, files.Length)} synthetic, {Math.Min(photos.Count, files.Length)} upscaled photos)");
            byte[][] data = [.. files.Select(File.ReadAllBytes)];

            using ClipModel scaled = ClipModel.Load(new ClipModelOptions { ModelDirectory = modelDirectory, ScaledDecode = true, VisionOnly = true });
            using ClipModel exact = ClipModel.Load(new ClipModelOptions { ModelDirectory = modelDirectory, ScaledDecode = false, VisionOnly = true });
            int minShort = scaled.Preprocessor.MinDecodeShortSide;

            // Stages alone, every core each.
            double decode = Rate(data.Length, () => Parallel.ForEach(data, d => ImageLoader.LoadRgb(d, ImageLoader.DefaultMaxPixels, minShort).Dispose()));
            double fullDecode = Rate(data.Length, () => Parallel.ForEach(data, d => ImageLoader.LoadRgb(d).Dispose()));
            Image<Rgb24>[] decoded = [.. data.Select(d => ImageLoader.LoadRgb(d, ImageLoader.DefaultMaxPixels, minShort))];
            int length = scaled.Preprocessor.TensorLength;
            float[][] pixels = [.. data.Select(_ => new float[length])];
            double preprocess = Rate(data.Length, () => Parallel.For(0, decoded.Length, i =>
            {
                using Image<Rgb24> copy = decoded[i].Clone();
                scaled.Preprocessor.Preprocess(copy, pixels[i]);
            }));
            foreach (Image<Rgb24> image in decoded)
            {
                image.Dispose();
            }

            using var generator = new ClipImageEmbeddingGenerator(scaled, batchSize);
            DataContent[] prepared = new DataContent[data.Length];
            double prepare = Rate(data.Length, () => Parallel.For(0, data.Length, i => prepared[i] = generator.Prepare(new DataContent(data[i], "image/jpeg"))));
            _ = generator.GenerateAsync(prepared.Take(Math.Min(batchSize, prepared.Length)), cancellationToken: token).GetAwaiter().GetResult(); // warm
            double model = Rate(data.Length, () => generator.GenerateAsync(prepared, cancellationToken: token).GetAwaiter().GetResult());
            log($"  decode {decode:0.0}/s (full size {fullDecode:0.0}/s), preprocess {preprocess:0.0}/s, decode+preprocess {prepare:0.0}/s, model {model:0.0}/s (all cores each)");

            // The whole pipeline, as 'index' runs it.
            using (EmbeddedImageIndex index = EmbeddedImageIndex.Open(indexDir))
            {
                var options = new IndexingOptions { IndexDirectory = indexDir, BatchSize = indexing.BatchSize, DecodeThreads = indexing.DecodeThreads, MaxPixels = indexing.MaxPixels, MaxFileBytes = indexing.MaxFileBytes, Ocr = false };
                IndexReport report = new FolderIndexer(generator, scaled.Identity, index, options).IndexAsync(folder, null, token).GetAwaiter().GetResult();
                double pipeline = report.Embedded / report.Elapsed.TotalSeconds;
                double ideal = 1 / ((1 / prepare) + (1 / model));
                log($"  pipeline {pipeline:0.0}/s against {ideal:0.0}/s with no idle time: efficiency {pipeline / ideal:0.00}");

                // What scaled decoding changes: the preprocessed pixels (model-independent) and the embeddings of a
                // model with real structure, photo by photo, against the full-size decode.
                string judge = qualityModel ?? modelDirectory;
                using ClipModel judgeScaled = ClipModel.Load(new ClipModelOptions { ModelDirectory = judge, ScaledDecode = true, VisionOnly = true });
                using ClipModel judgeExact = ClipModel.Load(new ClipModelOptions { ModelDirectory = judge, ScaledDecode = false, VisionOnly = true });
                using var scaledJudge = new ClipImageEmbeddingGenerator(judgeScaled, batchSize);
                using var exactJudge = new ClipImageEmbeddingGenerator(judgeExact, batchSize);
                GeneratedEmbeddings<Embedding<float>> a = scaledJudge.GenerateAsync(data.Select(d => new DataContent(d, "image/jpeg")), cancellationToken: token).GetAwaiter().GetResult();
                GeneratedEmbeddings<Embedding<float>> b = exactJudge.GenerateAsync(data.Select(d => new DataContent(d, "image/jpeg")), cancellationToken: token).GetAwaiter().GetResult();
                double[] cosines = [.. Enumerable.Range(0, data.Length).Select(i => (double)TensorPrimitives.CosineSimilarity(a[i].Vector.Span, b[i].Vector.Span))];
                double[] mads = [.. data.Select(d =>
                {
                    float[] x = new float[judgeScaled.Preprocessor.TensorLength], y = new float[x.Length];
                    judgeScaled.Preprocessor.Preprocess(d, x);
                    judgeExact.Preprocessor.Preprocess(d, y);
                    TensorPrimitives.Subtract(x, y, x);
                    return (double)TensorPrimitives.SumOfMagnitudes(x) / x.Length;
                })];
                log($"  scaled decode vs full decode ({Path.GetFileName(Path.TrimEndingDirectorySeparator(judge))}): embedding cosine min {cosines.Min():0.0000}, mean {cosines.Average():0.0000}; preprocessed pixels mean |difference| {mads.Average():0.0000} (max {mads.Max():0.0000}) over {cosines.Length} photos");
                return new Result(scaled.Identity.Key, Math.Round(width * (double)height / 1e6, 1), data.Length, decode, preprocess, prepare, model, pipeline, pipeline / ideal,
                    fullDecode, cosines.Min(), cosines.Average(), cosines.Length, minShort > 0, Path.GetFileName(Path.TrimEndingDirectorySeparator(judge)), mads.Average(), mads.Max());
            }
        }
        finally
        {
            foreach (string d in new[] { folder, indexDir })
            {
                try
                {
                    if (Directory.Exists(d))
                    {
                        Directory.Delete(d, recursive: true);
                    }
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static double Rate(int images, Action run)
    {
        var sw = Stopwatch.StartNew();
        run();
        return images / sw.Elapsed.TotalSeconds;
    }

    /// <summary>A 4:3 size of about this many megapixels (12 → 4000×3000).</summary>
    private static (int Width, int Height) SizeFor(double megapixels)
    {
        int height = (int)Math.Round(Math.Sqrt(megapixels * 1e6 * 3 / 4));
        return (height * 4 / 3, height);
    }

    /// <summary>The given photos upscaled (bicubic) and synthetic scenes (gradients, shapes, sensor-like noise), as quality-90 JPEGs.</summary>
    private static string[] Create(string folder, int count, int width, int height, IReadOnlyList<string> photos)
    {
        Directory.CreateDirectory(folder);
        string[] files = new string[count];
        Parallel.For(0, count, i =>
        {
            Image<Rgb24> image;
            if (i < photos.Count)
            {
                image = ImageLoader.LoadRgb(File.ReadAllBytes(photos[i]));
                image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(width, height), Mode = ResizeMode.Crop, Sampler = KnownResamplers.Bicubic }));
            }
            else
            {
                image = Scene(width, height, i);
            }

            using (image)
            {
                files[i] = Path.Combine(folder, $"photo-{i:D3}.jpg");
                image.SaveAsJpeg(files[i], new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 90 });
            }
        });
        return files;
    }

    private static Image<Rgb24> Scene(int width, int height, int seed)
    {
        var rng = new Random(seed);
        var image = new Image<Rgb24>(width, height);
        (double cx, double cy, double r, byte red, byte green, byte blue)[] blobs = [.. Enumerable.Range(0, 12).Select(_ =>
            (rng.NextDouble() * width, rng.NextDouble() * height, (0.05 + (rng.NextDouble() * 0.25)) * width, (byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)))];
        int a = rng.Next(256), b = rng.Next(256);
        image.ProcessPixelRows(rows =>
        {
            var noise = new Random(seed * 31);
            for (int y = 0; y < rows.Height; y++)
            {
                Span<Rgb24> row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    int red = (a + (x * 160 / width)) & 255, green = (b + (y * 160 / height)) & 255, blue = ((x + y) * 128 / (width + height)) + 64;
                    foreach ((double cx, double cy, double r, byte br, byte bg, byte bb) in blobs)
                    {
                        double dx = x - cx, dy = y - cy;
                        if ((dx * dx) + (dy * dy) < r * r)
                        {
                            (red, green, blue) = (br, bg, bb);
                        }
                    }

                    int n = noise.Next(-12, 13);
                    row[x] = new Rgb24((byte)Math.Clamp(red + n, 0, 255), (byte)Math.Clamp(green + n, 0, 255), (byte)Math.Clamp(blue + n, 0, 255));
                }
            }
        });
        return image;
    }
}
