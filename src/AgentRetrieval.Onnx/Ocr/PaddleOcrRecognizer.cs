using System.Text;
using AgentRetrieval.Imaging;
using AgentRetrieval.Ocr;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace AgentRetrieval.Onnx.Ocr;

/// <summary>
/// PaddleOCR (PP-OCR) run by ONNX Runtime, as its reference pipeline runs it:
/// <list type="number">
/// <item>detection (DB): the image scaled so its longer side is at most 960 and both sides are multiples of 32, BGR,
/// ImageNet mean and deviation; the probability map thresholded at 0.3; each connected region boxed by its principal
/// axes (an oriented rectangle, like OpenCV's minAreaRect for text lines), kept when its mean probability is at least
/// 0.6, and grown by the DB "unclip" distance area × 1.5 / perimeter;</item>
/// <item>each box cut out upright from the image (bilinear sampling along the box's axes);</item>
/// <item>the direction classifier (48 × 192) turns lines it judges upside down (probability over 0.9);</item>
/// <item>recognition (height 48, width by aspect ratio, at least 320) and CTC greedy decoding: class 0 is the CTC blank,
/// classes 1…N are the dictionary's lines in order, class N + 1 is the space (PaddleOCR's <c>use_space_char</c>);
/// repeated classes merge, blanks drop. Lines with mean confidence under 0.5 are dropped (PaddleOCR's drop_score).</item>
/// </list>
/// </summary>
/// <remarks>Thread-safe; owns its three sessions.</remarks>
public sealed class PaddleOcrRecognizer : IImageTextRecognizer, IDisposable
{
    private const int DetLimit = 960;
    private const float DetThreshold = 0.3f;
    private const float BoxThreshold = 0.6f;
    private const float UnclipRatio = 1.5f;
    private const int RecHeight = 48;
    private const int ClsWidth = 192;
    private const float DropScore = 0.5f;
    private const int MaxWorkingSide = 2048;
    private static readonly float[] s_mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] s_std = [0.229f, 0.224f, 0.225f];

    private readonly InferenceSession _det;
    private readonly InferenceSession _cls;
    private readonly InferenceSession _rec;
    private readonly string[] _dictionary;
    private readonly long _maxPixels;

    /// <summary>Loads the models.</summary>
    /// <param name="files">The model files.</param>
    /// <param name="intraOpThreads">ONNX Runtime threads per run (0: ONNX Runtime's choice).</param>
    /// <param name="maxPixels">The largest image decoded.</param>
    /// <exception cref="InvalidDataException">A model or the dictionary is not what PaddleOCR's pipeline expects.</exception>
    public PaddleOcrRecognizer(PaddleOcrFiles files, int intraOpThreads = 0, long maxPixels = ImageLoader.DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(files);
        Files = files;
        _maxPixels = maxPixels;
        Version = files.ComputeVersion();
        _dictionary = File.ReadAllLines(files.Dictionary, Encoding.UTF8).Select(l => l.TrimEnd('\r', '\n')).ToArray();
        using var options = new SessionOptions { IntraOpNumThreads = intraOpThreads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        try
        {
            _det = new InferenceSession(files.Detection, options);
            _cls = new InferenceSession(files.Classifier, options);
            _rec = new InferenceSession(files.Recognition, options);
        }
        catch (OnnxRuntimeException ex)
        {
            _det?.Dispose();
            _cls?.Dispose();
            throw new InvalidDataException($"The OCR models in '{files.Directory}' cannot be loaded: {ex.Message}", ex);
        }

        long classes = _rec.OutputMetadata.First().Value.Dimensions[^1];
        if (classes > 0 && classes != _dictionary.Length + 2)
        {
            Dispose();
            throw new InvalidDataException($"The recognition model has {classes} classes; its dictionary has {_dictionary.Length} characters, so it needs {_dictionary.Length + 2} (blank + characters + space).");
        }
    }

    /// <summary>The model files.</summary>
    public PaddleOcrFiles Files { get; }

    /// <inheritdoc/>
    /// <remarks>1 for the bundled PP-OCRv4 mobile model; another recognition model has its own (see <see cref="PaddleOcrFiles.ComputeVersion"/>).</remarks>
    public int Version { get; }

    /// <inheritdoc/>
    public string Name => $"PP-OCR ({Path.GetFileName(Files.Directory.TrimEnd(Path.DirectorySeparatorChar))}: {Path.GetRelativePath(Files.Directory, Files.Recognition).Replace('\\', '/')})";

    /// <inheritdoc/>
    public Task<IReadOnlyList<RecognizedLine>> RecognizeAsync(ReadOnlyMemory<byte> image, CancellationToken cancellationToken = default)
    {
        using Image<Rgb24> decoded = ImageLoader.LoadRgb(image, _maxPixels);
        return Task.FromResult(Recognize(decoded, cancellationToken));
    }

    /// <summary>Recognises the text in a decoded, upright image.</summary>
    /// <param name="image">The image.</param>
    /// <param name="cancellationToken">Checked between stages.</param>
    /// <returns>The lines, top to bottom.</returns>
    public IReadOnlyList<RecognizedLine> Recognize(Image<Rgb24> image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        using Image<Rgb24> work = image.Width > MaxWorkingSide || image.Height > MaxWorkingSide
            ? image.Clone(x => x.Resize(new ResizeOptions { Mode = ResizeMode.Max, Size = new Size(MaxWorkingSide, MaxWorkingSide) }))
            : image.Clone();
        List<Box> boxes = Detect(work);
        cancellationToken.ThrowIfCancellationRequested();
        if (boxes.Count == 0)
        {
            return [];
        }

        var crops = boxes.Select(b => Crop(work, b)).ToList();
        try
        {
            Classify(crops);
            cancellationToken.ThrowIfCancellationRequested();
            (string Text, float Confidence)[] texts = RecognizeCrops(crops);
            var lines = new List<RecognizedLine>();
            foreach ((string text, float confidence) in texts)
            {
                string t = text.Trim();
                if (t.Length > 0 && confidence >= DropScore)
                {
                    lines.Add(new RecognizedLine(t, confidence));
                }
            }

            return lines;
        }
        finally
        {
            foreach (Image<Rgb24> c in crops)
            {
                c.Dispose();
            }
        }
    }

    private List<Box> Detect(Image<Rgb24> image)
    {
        int w0 = image.Width, h0 = image.Height;
        float ratio = Math.Min(1f, DetLimit / (float)Math.Max(w0, h0));
        int w = Math.Max(32, (int)Math.Round(w0 * ratio / 32) * 32), h = Math.Max(32, (int)Math.Round(h0 * ratio / 32) * 32);
        using Image<Rgb24> resized = image.Clone(x => x.Resize(w, h));
        var input = new DenseTensor<float>([1, 3, h, w]);
        resized.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < h; y++)
            {
                Span<Rgb24> row = rows.GetRowSpan(y);
                for (int x = 0; x < w; x++)
                {
                    // PaddleOCR reads BGR with OpenCV and normalises channel by channel in that order.
                    input[0, 0, y, x] = ((row[x].B / 255f) - s_mean[0]) / s_std[0];
                    input[0, 1, y, x] = ((row[x].G / 255f) - s_mean[1]) / s_std[1];
                    input[0, 2, y, x] = ((row[x].R / 255f) - s_mean[2]) / s_std[2];
                }
            }
        });
        using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> output = _det.Run([NamedOnnxValue.CreateFromTensor(_det.InputMetadata.Keys.First(), input)]);
        float[] prob = output[0].AsEnumerable<float>().ToArray();
        if (prob.Length != w * h)
        {
            throw new InvalidDataException($"The detection model gave {prob.Length} values for a {w}×{h} input.");
        }

        var boxes = new List<Box>();
        bool[] seen = new bool[prob.Length];
        var stack = new Stack<int>();
        var pixels = new List<int>();
        for (int start = 0; start < prob.Length; start++)
        {
            if (seen[start] || prob[start] <= DetThreshold)
            {
                continue;
            }

            pixels.Clear();
            stack.Push(start);
            seen[start] = true;
            while (stack.Count > 0)
            {
                int p = stack.Pop();
                pixels.Add(p);
                int px = p % w, py = p / w;
                for (int dy = -1; dy <= 1; dy++)
                {
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int nx = px + dx, ny = py + dy;
                        if (nx < 0 || ny < 0 || nx >= w || ny >= h)
                        {
                            continue;
                        }

                        int q = (ny * w) + nx;
                        if (!seen[q] && prob[q] > DetThreshold)
                        {
                            seen[q] = true;
                            stack.Push(q);
                        }
                    }
                }
            }

            if (pixels.Count < 10)
            {
                continue;
            }

            if (BoxOf(pixels, prob, w) is { } box)
            {
                boxes.Add(box.Scale(w0 / (float)w, h0 / (float)h));
            }
        }

        // Reading order: top to bottom, then left to right for boxes on the same line.
        boxes.Sort((a, b) => Math.Abs(a.Cy - b.Cy) < 10 * (h0 / (float)h) ? a.Cx.CompareTo(b.Cx) : a.Cy.CompareTo(b.Cy));
        return boxes;
    }

    /// <summary>The oriented rectangle of a region along its principal axes, its score, and the DB unclip.</summary>
    private static Box? BoxOf(List<int> pixels, float[] prob, int w)
    {
        double mx = 0, my = 0, score = 0;
        foreach (int p in pixels)
        {
            mx += p % w;
            my += p / w;
            score += prob[p];
        }

        mx /= pixels.Count;
        my /= pixels.Count;
        score /= pixels.Count;
        if (score < BoxThreshold)
        {
            return null;
        }

        double sxx = 0, syy = 0, sxy = 0;
        foreach (int p in pixels)
        {
            double dx = (p % w) - mx, dy = (p / w) - my;
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
        }

        double theta = 0.5 * Math.Atan2(2 * sxy, sxx - syy);
        double ux = Math.Cos(theta), uy = Math.Sin(theta);
        if (ux < 0)
        {
            ux = -ux;
            uy = -uy;
        }

        double vx = -uy, vy = ux;
        double amin = double.MaxValue, amax = double.MinValue, bmin = double.MaxValue, bmax = double.MinValue;
        foreach (int p in pixels)
        {
            double dx = (p % w) - mx, dy = (p / w) - my;
            double a = (dx * ux) + (dy * uy), b = (dx * vx) + (dy * vy);
            amin = Math.Min(amin, a);
            amax = Math.Max(amax, a);
            bmin = Math.Min(bmin, b);
            bmax = Math.Max(bmax, b);
        }

        double bw = amax - amin + 1, bh = bmax - bmin + 1;
        double distance = bw * bh * UnclipRatio / (2 * (bw + bh));
        bw += 2 * distance;
        bh += 2 * distance;
        if (Math.Min(bw, bh) < 5)
        {
            return null;
        }

        double cx = mx + (ux * (amin + amax) / 2) + (vx * (bmin + bmax) / 2);
        double cy = my + (uy * (amin + amax) / 2) + (vy * (bmin + bmax) / 2);
        return new Box((float)cx, (float)cy, (float)ux, (float)uy, (float)bw, (float)bh);
    }

    private static Image<Rgb24> Crop(Image<Rgb24> image, Box box)
    {
        int cw = Math.Max(1, (int)Math.Round(box.W)), ch = Math.Max(1, (int)Math.Round(box.H));
        float vx = -box.Uy, vy = box.Ux;
        var crop = new Image<Rgb24>(cw, ch);
        int iw = image.Width, ih = image.Height;
        image.ProcessPixelRows(crop, (src, dst) =>
        {
            for (int j = 0; j < ch; j++)
            {
                Span<Rgb24> row = dst.GetRowSpan(j);
                for (int i = 0; i < cw; i++)
                {
                    float a = i - (cw / 2f) + 0.5f, b = j - (ch / 2f) + 0.5f;
                    float x = box.Cx + (box.Ux * a) + (vx * b) - 0.5f, y = box.Cy + (box.Uy * a) + (vy * b) - 0.5f;
                    row[i] = Sample(src, x, y, iw, ih);
                }
            }
        });

        if (ch >= 1.5 * cw)
        {
            crop.Mutate(c => c.Rotate(RotateMode.Rotate90));
        }

        return crop;
    }

    private static Rgb24 Sample(PixelAccessor<Rgb24> src, float x, float y, int w, int h)
    {
        x = Math.Clamp(x, 0, w - 1);
        y = Math.Clamp(y, 0, h - 1);
        int x0 = (int)x, y0 = (int)y, x1 = Math.Min(x0 + 1, w - 1), y1 = Math.Min(y0 + 1, h - 1);
        float fx = x - x0, fy = y - y0;
        Rgb24 p00 = src.GetRowSpan(y0)[x0], p01 = src.GetRowSpan(y0)[x1], p10 = src.GetRowSpan(y1)[x0], p11 = src.GetRowSpan(y1)[x1];
        byte Mix(byte a, byte b, byte c, byte d) => (byte)Math.Clamp(((a * (1 - fx) + b * fx) * (1 - fy)) + ((c * (1 - fx) + d * fx) * fy) + 0.5f, 0, 255);
        return new Rgb24(Mix(p00.R, p01.R, p10.R, p11.R), Mix(p00.G, p01.G, p10.G, p11.G), Mix(p00.B, p01.B, p10.B, p11.B));
    }

    private void Classify(List<Image<Rgb24>> crops)
    {
        const int Batch = 8;
        for (int start = 0; start < crops.Count; start += Batch)
        {
            int n = Math.Min(Batch, crops.Count - start);
            var input = new DenseTensor<float>([n, 3, RecHeight, ClsWidth]);
            for (int i = 0; i < n; i++)
            {
                Fill(input, i, crops[start + i], ClsWidth);
            }

            using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> output = _cls.Run([NamedOnnxValue.CreateFromTensor(_cls.InputMetadata.Keys.First(), input)]);
            float[] p = output[0].AsEnumerable<float>().ToArray();
            for (int i = 0; i < n; i++)
            {
                if (p[(i * 2) + 1] > 0.9f)
                {
                    crops[start + i].Mutate(c => c.Rotate(RotateMode.Rotate180));
                }
            }
        }
    }

    private (string, float)[] RecognizeCrops(List<Image<Rgb24>> crops)
    {
        const int Batch = 6;
        var results = new (string, float)[crops.Count];
        int[] order = [.. Enumerable.Range(0, crops.Count).OrderBy(i => crops[i].Width / (float)crops[i].Height)];
        for (int start = 0; start < order.Length; start += Batch)
        {
            int n = Math.Min(Batch, order.Length - start);
            float maxRatio = Enumerable.Range(start, n).Max(k => crops[order[k]].Width / (float)crops[order[k]].Height);
            int width = Math.Clamp((int)Math.Ceiling(RecHeight * maxRatio), 320, RecHeight * 40);
            var input = new DenseTensor<float>([n, 3, RecHeight, width]);
            for (int i = 0; i < n; i++)
            {
                Fill(input, i, crops[order[start + i]], width);
            }

            using IDisposableReadOnlyCollection<DisposableNamedOnnxValue> output = _rec.Run([NamedOnnxValue.CreateFromTensor(_rec.InputMetadata.Keys.First(), input)]);
            var tensor = output[0].AsTensor<float>();
            int steps = tensor.Dimensions[1], classes = tensor.Dimensions[2];
            for (int i = 0; i < n; i++)
            {
                results[order[start + i]] = Decode(tensor, i, steps, classes);
            }
        }

        return results;
    }

    /// <summary>CTC greedy decoding: best class per step, repeats merged, blanks (class 0) dropped.</summary>
    private (string Text, float Confidence) Decode(Tensor<float> tensor, int item, int steps, int classes)
    {
        var sb = new StringBuilder();
        double confidence = 0;
        int kept = 0, previous = 0;
        for (int t = 0; t < steps; t++)
        {
            int best = 0;
            float bestP = float.MinValue;
            for (int c = 0; c < classes; c++)
            {
                float v = tensor[item, t, c];
                if (v > bestP)
                {
                    bestP = v;
                    best = c;
                }
            }

            if (best != 0 && best != previous)
            {
                sb.Append(best <= _dictionary.Length ? _dictionary[best - 1] : " ");
                confidence += bestP;
                kept++;
            }

            previous = best;
        }

        return (sb.ToString(), kept == 0 ? 0f : (float)(confidence / kept));
    }

    /// <summary>Resizes a crop to the model's height (width by aspect ratio, at most <paramref name="width"/>), (x/255 − 0.5)/0.5, BGR, zero padding.</summary>
    private static void Fill(DenseTensor<float> input, int item, Image<Rgb24> crop, int width)
    {
        int w = Math.Clamp((int)Math.Ceiling(RecHeight * crop.Width / (float)crop.Height), 1, width);
        using Image<Rgb24> resized = crop.Clone(x => x.Resize(w, RecHeight));
        resized.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < RecHeight; y++)
            {
                Span<Rgb24> row = rows.GetRowSpan(y);
                for (int x = 0; x < w; x++)
                {
                    input[item, 0, y, x] = (row[x].B / 127.5f) - 1f;
                    input[item, 1, y, x] = (row[x].G / 127.5f) - 1f;
                    input[item, 2, y, x] = (row[x].R / 127.5f) - 1f;
                }
            }
        });
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _det?.Dispose();
        _cls?.Dispose();
        _rec?.Dispose();
    }

    private readonly record struct Box(float Cx, float Cy, float Ux, float Uy, float W, float H)
    {
        public Box Scale(float sx, float sy)
        {
            float ux = Ux * sx, uy = Uy * sy, vx = -Uy * sx, vy = Ux * sy;
            float lu = MathF.Sqrt((ux * ux) + (uy * uy)), lv = MathF.Sqrt((vx * vx) + (vy * vy));
            return new Box(Cx * sx, Cy * sy, ux / lu, uy / lu, W * lu, H * lv);
        }
    }
}
