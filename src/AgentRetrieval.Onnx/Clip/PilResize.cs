using SixLabors.ImageSharp.PixelFormats;

namespace AgentRetrieval.Onnx.Clip;

/// <summary>
/// Pillow's <c>Image.resize</c> for 8-bit RGB, reproduced to the bit: separable convolution (horizontal pass first, over
/// only the rows the vertical pass reads), the kernel widened by the scale when shrinking, coefficients normalised and
/// rounded to 22-bit fixed point, each pass rounded and clipped to 8 bits. The reference preprocessors (transformers'
/// PIL path, Immich) resize with it, and a SigLIP vision tower is sensitive enough that ImageSharp's own bicubic (a few
/// levels off on edges) moves embeddings visibly.
/// </summary>
internal static class PilResize
{
    private const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Whether Pillow has this filter (PIL ids: 1 Lanczos, 2 bilinear, 3 bicubic); nearest is left to the caller.</summary>
    public static bool Supports(int resample) => resample is 1 or 2 or 3;

    public static Rgb24[] Resize(Rgb24[] source, int width, int height, int outWidth, int outHeight, int resample, bool torchPrecision = false)
    {
        (Func<double, double> filter, double support) = resample switch
        {
            1 => ((Func<double, double>)Lanczos, 3.0),
            2 => (Bilinear, 1.0),
            _ => (Bicubic, 2.0),
        };

        Rgb24[] current = source;
        int curW = width, curH = height;
        if (outHeight != height)
        {
            // The vertical pass's coefficients first: they say which source rows the horizontal pass must produce.
            (int[] vBounds, int[] vKernel, int vSize, int vBits) = Coefficients(height, outHeight, filter, support, torchPrecision);
            int first = vBounds[0];
            int last = vBounds[((outHeight - 1) * 2)] + vBounds[((outHeight - 1) * 2) + 1];
            if (outWidth != width)
            {
                current = Horizontal(current, curW, first, last, outWidth, filter, support, torchPrecision);
                curW = outWidth;
                for (int i = 0; i < outHeight; i++)
                {
                    vBounds[i * 2] -= first;
                }
            }
            else if (first != 0 || last != height)
            {
                current = current.AsSpan(first * curW, (last - first) * curW).ToArray();
                for (int i = 0; i < outHeight; i++)
                {
                    vBounds[i * 2] -= first;
                }
            }

            return Vertical(current, curW, outHeight, vBounds, vKernel, vSize, vBits);
        }

        return outWidth != width ? Horizontal(current, curW, 0, curH, outWidth, filter, support, torchPrecision) : (Rgb24[])source.Clone();
    }

    private static Rgb24[] Horizontal(Rgb24[] source, int width, int firstRow, int lastRow, int outWidth, Func<double, double> filter, double support, bool torchPrecision)
    {
        (int[] bounds, int[] kernel, int kSize, int bits) = Coefficients(width, outWidth, filter, support, torchPrecision);
        int rows = lastRow - firstRow;
        var result = new Rgb24[rows * outWidth];
        for (int y = 0; y < rows; y++)
        {
            ReadOnlySpan<Rgb24> row = source.AsSpan((y + firstRow) * width, width);
            for (int x = 0; x < outWidth; x++)
            {
                int min = bounds[x * 2], count = bounds[(x * 2) + 1];
                ReadOnlySpan<int> k = kernel.AsSpan(x * kSize, kSize);
                int r = 1 << (bits - 1), g = r, b = r;
                for (int i = 0; i < count; i++)
                {
                    Rgb24 p = row[min + i];
                    r += p.R * k[i];
                    g += p.G * k[i];
                    b += p.B * k[i];
                }

                result[(y * outWidth) + x] = new Rgb24(Clip8(r, bits), Clip8(g, bits), Clip8(b, bits));
            }
        }

        return result;
    }

    private static Rgb24[] Vertical(Rgb24[] source, int width, int outHeight, int[] bounds, int[] kernel, int kSize, int bits)
    {
        var result = new Rgb24[outHeight * width];
        for (int y = 0; y < outHeight; y++)
        {
            int min = bounds[y * 2], count = bounds[(y * 2) + 1];
            ReadOnlySpan<int> k = kernel.AsSpan(y * kSize, kSize);
            for (int x = 0; x < width; x++)
            {
                int r = 1 << (bits - 1), g = r, b = r;
                for (int i = 0; i < count; i++)
                {
                    Rgb24 p = source[((min + i) * width) + x];
                    r += p.R * k[i];
                    g += p.G * k[i];
                    b += p.B * k[i];
                }

                result[(y * width) + x] = new Rgb24(Clip8(r, bits), Clip8(g, bits), Clip8(b, bits));
            }
        }

        return result;
    }

    /// <summary>
    /// Pillow's <c>precompute_coeffs</c> and <c>normalize_coeffs_8bpc</c> (22 fractional bits); with
    /// <paramref name="torchPrecision"/>, PyTorch's port of it for uint8 antialiased resizing, which torchvision and
    /// transformers' fast image processors run: the same weights, but as many fractional bits as keep the largest
    /// weight within 16-bit integers.
    /// </summary>
    private static (int[] Bounds, int[] Kernel, int KSize, int Bits) Coefficients(int inSize, int outSize, Func<double, double> filter, double filterSupport, bool torchPrecision)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterSupport * filterScale;
        int kSize = ((int)Math.Ceiling(support) * 2) + 1;
        var bounds = new int[outSize * 2];
        var kernel = new int[outSize * kSize];
        var weights = new double[kSize];
        var normalized = new double[outSize * kSize];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            double ww = 0.0;
            double ss = 1.0 / filterScale;
            int xmin = Math.Max(0, (int)(center - support + 0.5));
            int xmax = Math.Min(inSize, (int)(center + support + 0.5)) - xmin;
            Array.Clear(weights);
            for (int x = 0; x < xmax; x++)
            {
                double w = filter((x + xmin - center + 0.5) * ss);
                weights[x] = w;
                ww += w;
            }

            for (int x = 0; x < xmax; x++)
            {
                normalized[(xx * kSize) + x] = ww != 0.0 ? weights[x] / ww : weights[x];
            }

            bounds[xx * 2] = xmin;
            bounds[(xx * 2) + 1] = Math.Max(0, xmax);
        }

        int bits = PrecisionBits;
        if (torchPrecision)
        {
            double max = normalized.Max();
            bits = 0;
            while (bits < 22 && (int)(0.5 + (max * (1 << (bits + 1)))) < (1 << 15))
            {
                bits++;
            }
        }

        for (int i = 0; i < normalized.Length; i++)
        {
            double w = normalized[i];
            kernel[i] = w < 0 ? (int)(-0.5 + (w * (1 << bits))) : (int)(0.5 + (w * (1 << bits)));
        }

        return (bounds, kernel, kSize, bits);
    }

    private static byte Clip8(int value, int bits)
    {
        int v = value >> bits;
        return (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
    }

    private static double Bicubic(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0)
        {
            return ((((a + 2.0) * x) - (a + 3.0)) * x * x) + 1;
        }

        return x < 2.0 ? ((((x - 5) * x) + 8) * x - 4) * a : 0.0;
    }

    private static double Bilinear(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static double Lanczos(double x)
    {
        // Pillow: sinc(x) * sinc(x / 3) inside the support of 3.
        if (x is > -3.0 and < 3.0)
        {
            return Sinc(x) * Sinc(x / 3.0);
        }

        return 0.0;

        static double Sinc(double v)
        {
            if (v == 0.0)
            {
                return 1.0;
            }

            v *= Math.PI;
            return Math.Sin(v) / v;
        }
    }
}
