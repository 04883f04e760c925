using System.Numerics;
using System.Numerics.Tensors;

namespace AgentRetrieval.Indexing.Binary;

/// <summary>
/// Compact binary codes learned from the index's own vectors: PCA to B dimensions, then an orthogonal rotation fitted by
/// iterative quantisation (ITQ, Gong and Lazebnik) so that the signs lose as little as possible. A code is
/// sign(Rᵀ·W·(x − μ)) packed into 64-bit words; similar vectors get codes at small Hamming distance.
/// </summary>
/// <remarks>Immutable after fitting; thread-safe.</remarks>
public sealed class ItqHasher
{
    private readonly float[] _mean;
    private readonly float[] _projection; // Bits rows of Dimensions floats: (W ᵀ R)ᵀ
    private readonly float[] _offsets;    // projection · mean, per bit

    private ItqHasher(int dimensions, int bits, float[] mean, float[] projection)
    {
        Dimensions = dimensions;
        Bits = bits;
        _mean = mean;
        _projection = projection;
        _offsets = new float[bits];
        for (int b = 0; b < bits; b++)
        {
            _offsets[b] = TensorPrimitives.Dot(_projection.AsSpan(b * dimensions, dimensions), _mean);
        }
    }

    /// <summary>The input vector size.</summary>
    public int Dimensions { get; }

    /// <summary>The code length in bits.</summary>
    public int Bits { get; }

    /// <summary>64-bit words per code.</summary>
    public int Words => (Bits + 63) / 64;

    /// <summary>Fits PCA + ITQ on (a sample of) row-major vectors.</summary>
    /// <param name="vectors">Rows of <paramref name="dimensions"/> floats.</param>
    /// <param name="dimensions">Row length.</param>
    /// <param name="bits">Code length; at most <paramref name="dimensions"/>.</param>
    /// <param name="iterations">ITQ iterations.</param>
    /// <param name="maxSample">Rows used for fitting at most.</param>
    /// <param name="seed">Random seed (fits are reproducible).</param>
    /// <returns>The fitted hasher.</returns>
    /// <exception cref="ArgumentOutOfRangeException">More bits than dimensions, or too few rows.</exception>
    public static ItqHasher Fit(ReadOnlySpan<float> vectors, int dimensions, int bits, int iterations = 30, int maxSample = 10_000, int seed = 42)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bits);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bits, dimensions);
        int rows = vectors.Length / dimensions;
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 2, nameof(vectors));
        var rng = new Random(seed);

        // A sample of rows, centred.
        int n = Math.Min(rows, maxSample);
        int[] pick = rows <= maxSample ? [.. Enumerable.Range(0, rows)] : [.. Enumerable.Range(0, rows).OrderBy(_ => rng.Next()).Take(n)];
        float[] mean = new float[dimensions];
        foreach (int r in pick)
        {
            TensorPrimitives.Add(mean, vectors.Slice(r * dimensions, dimensions), mean);
        }

        TensorPrimitives.Divide(mean, n, mean);
        float[] xt = new float[dimensions * n]; // transposed: dimension-major
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> row = vectors.Slice(pick[s] * dimensions, dimensions);
            for (int d = 0; d < dimensions; d++)
            {
                xt[(d * n) + s] = row[d] - mean[d];
            }
        }

        // Covariance and its top eigenvectors by subspace iteration.
        float[] cov = new float[dimensions * dimensions];
        Parallel.For(0, dimensions, i =>
        {
            ReadOnlySpan<float> a = xt.AsSpan(i * n, n);
            for (int j = i; j < dimensions; j++)
            {
                float v = TensorPrimitives.Dot(a, xt.AsSpan(j * n, n)) / n;
                cov[(i * dimensions) + j] = v;
                cov[(j * dimensions) + i] = v;
            }
        });
        float[] w = TopEigenvectors(cov, dimensions, bits, rng);

        // V = X W ᵀ (n × bits), then ITQ: alternate B = sign(V R) and R = polar(Vᵀ B).
        float[] xr = Transpose(xt, dimensions, n); // centred rows
        float[] v = MultiplyByTransposed(xr, n, dimensions, w, bits);
        float[] rotation = Orthonormalise(RandomMatrix(bits, bits, rng), bits, bits); // rows = columns of R
        float[] vt = Transpose(v, n, bits);
        for (int it = 0; it < iterations; it++)
        {
            // U = V R; B = sign(U); M = Vᵀ B
            float[] u = MultiplyByTransposed(v, n, bits, rotation, bits); // rotation stored as Rᵀ rows: U = V · (Rᵀ)ᵀ
            for (int k = 0; k < u.Length; k++)
            {
                u[k] = u[k] >= 0 ? 1f : -1f;
            }

            float[] bt = Transpose(u, n, bits);
            float[] m = MultiplyByTransposed(vt, bits, n, bt, bits); // M = Vᵀ B (bits × bits)
            float[] polar = Polar(m, bits);                          // R = polar(M)
            rotation = Transpose(polar, bits, bits);                 // keep Rᵀ rows
        }

        // Final projection rows: P = Rᵀ W  (bits × dimensions)
        float[] projection = new float[bits * dimensions];
        for (int b = 0; b < bits; b++)
        {
            Span<float> target = projection.AsSpan(b * dimensions, dimensions);
            for (int k = 0; k < bits; k++)
            {
                TensorPrimitives.MultiplyAdd(w.AsSpan(k * dimensions, dimensions), rotation[(b * bits) + k], target, target);
            }
        }

        return new ItqHasher(dimensions, bits, mean, projection);
    }

    /// <summary>Encodes one vector into <see cref="Words"/> words.</summary>
    /// <param name="vector">The vector.</param>
    /// <param name="code">At least <see cref="Words"/> words; overwritten.</param>
    public void Encode(ReadOnlySpan<float> vector, Span<ulong> code)
    {
        code[..Words].Clear();
        for (int b = 0; b < Bits; b++)
        {
            if (TensorPrimitives.Dot(_projection.AsSpan(b * Dimensions, Dimensions), vector) >= _offsets[b])
            {
                code[b >> 6] |= 1UL << (b & 63);
            }
        }
    }

    /// <summary>Encodes row-major vectors in parallel.</summary>
    /// <param name="vectors">Rows of <see cref="Dimensions"/> floats.</param>
    /// <returns>Codes, <see cref="Words"/> words per row.</returns>
    public ulong[] EncodeAll(ReadOnlyMemory<float> vectors)
    {
        int rows = vectors.Length / Dimensions;
        ulong[] codes = new ulong[rows * Words];
        Parallel.For(0, rows, r => Encode(vectors.Span.Slice(r * Dimensions, Dimensions), codes.AsSpan(r * Words, Words)));
        return codes;
    }

    /// <summary>The Hamming distance of two codes.</summary>
    /// <param name="a">A code.</param>
    /// <param name="b">A code of the same length.</param>
    public static int Distance(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        int d = 0;
        for (int i = 0; i < a.Length; i++)
        {
            d += BitOperations.PopCount(a[i] ^ b[i]);
        }

        return d;
    }

    /// <summary>Writes the hasher (dimensions, bits, mean, projection).</summary>
    /// <param name="writer">The writer.</param>
    public void Write(BinaryWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(Dimensions);
        writer.Write(Bits);
        foreach (float f in _mean)
        {
            writer.Write(f);
        }

        foreach (float f in _projection)
        {
            writer.Write(f);
        }
    }

    /// <summary>Reads a hasher written by <see cref="Write"/>.</summary>
    /// <param name="reader">The reader.</param>
    public static ItqHasher Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int d = reader.ReadInt32(), b = reader.ReadInt32();
        if (d <= 0 || b <= 0 || b > d || d > 65_536)
        {
            throw new InvalidDataException("Not a binary-code file.");
        }

        float[] mean = new float[d], projection = new float[b * d];
        for (int i = 0; i < d; i++)
        {
            mean[i] = reader.ReadSingle();
        }

        for (int i = 0; i < projection.Length; i++)
        {
            projection[i] = reader.ReadSingle();
        }

        return new ItqHasher(d, b, mean, projection);
    }

    private static float[] TopEigenvectors(float[] cov, int d, int k, Random rng)
    {
        float[] q = Orthonormalise(RandomMatrix(k, d, rng), k, d); // k rows of length d
        for (int it = 0; it < 20; it++)
        {
            float[] z = MultiplyByTransposed(q, k, d, cov, d); // rows: (C q_j)ᵀ, C symmetric
            q = Orthonormalise(z, k, d);
        }

        return q;
    }

    /// <summary>A (rowsA × inner) times Bᵀ where B is (colsB × inner): result rowsA × colsB.</summary>
    private static float[] MultiplyByTransposed(float[] a, int rowsA, int inner, float[] b, int colsB)
    {
        float[] result = new float[rowsA * colsB];
        Parallel.For(0, rowsA, i =>
        {
            ReadOnlySpan<float> row = a.AsSpan(i * inner, inner);
            for (int j = 0; j < colsB; j++)
            {
                result[(i * colsB) + j] = TensorPrimitives.Dot(row, b.AsSpan(j * inner, inner));
            }
        });
        return result;
    }

    private static float[] Transpose(float[] a, int rows, int cols)
    {
        float[] t = new float[a.Length];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                t[(j * rows) + i] = a[(i * cols) + j];
            }
        }

        return t;
    }

    /// <summary>The orthogonal polar factor of a square matrix by Newton–Schulz iteration.</summary>
    private static float[] Polar(float[] m, int n)
    {
        float norm = TensorPrimitives.Norm(m);
        float[] y = new float[m.Length];
        TensorPrimitives.Divide(m, norm > 0 ? norm : 1, y);
        for (int it = 0; it < 40; it++)
        {
            float[] yt = Transpose(y, n, n);
            float[] yty = MultiplyByTransposed(yt, n, n, yt, n); // Yᵀ Y
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    yty[(i * n) + j] = (i == j ? 3f : 0f) - yty[(i * n) + j];
                }
            }

            float[] next = MultiplyByTransposed(y, n, n, Transpose(yty, n, n), n);
            TensorPrimitives.Multiply(next, 0.5f, next);
            float change = TensorPrimitives.Distance(next, y);
            y = next;
            if (change < 1e-5f)
            {
                break;
            }
        }

        return y;
    }

    private static float[] RandomMatrix(int rows, int cols, Random rng)
    {
        float[] m = new float[rows * cols];
        for (int i = 0; i < m.Length; i++)
        {
            m[i] = (float)((rng.NextDouble() * 2) - 1);
        }

        return m;
    }

    /// <summary>Modified Gram–Schmidt on the rows.</summary>
    private static float[] Orthonormalise(float[] m, int rows, int cols)
    {
        for (int i = 0; i < rows; i++)
        {
            Span<float> ri = m.AsSpan(i * cols, cols);
            for (int j = 0; j < i; j++)
            {
                ReadOnlySpan<float> rj = m.AsSpan(j * cols, cols);
                TensorPrimitives.MultiplyAdd(rj, -TensorPrimitives.Dot(ri, rj), ri, ri);
            }

            float n = TensorPrimitives.Norm(ri);
            TensorPrimitives.Divide(ri, n > 1e-12f ? n : 1f, ri);
        }

        return m;
    }
}
