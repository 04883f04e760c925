using System.Numerics.Tensors;

namespace AgentRetrieval.Embeddings;

/// <summary>
/// A learned linear map from one embedding space to another (ridge regression on centred pairs): it lets a text
/// encoder and an image encoder that were trained apart meet in the image space. Used by the offline default model.
/// </summary>
/// <remarks>Immutable; thread-safe.</remarks>
public sealed class LinearBridge
{
    private const int Magic = 0x42525241; // "ARRB"

    private LinearBridge(int inputDimensions, int outputDimensions, float[] inputMean, float[] outputMean, float[] weights, double lambda)
    {
        InputDimensions = inputDimensions;
        OutputDimensions = outputDimensions;
        InputMean = inputMean;
        OutputMean = outputMean;
        Weights = weights;
        Lambda = lambda;
    }

    /// <summary>Input size.</summary>
    public int InputDimensions { get; }

    /// <summary>Output size.</summary>
    public int OutputDimensions { get; }

    /// <summary>Mean of the training inputs (subtracted before the map).</summary>
    public IReadOnlyList<float> InputMean { get; }

    /// <summary>Mean of the training outputs (the centre of the output space).</summary>
    public IReadOnlyList<float> OutputMean { get; }

    /// <summary>The ridge penalty the map was fitted with.</summary>
    public double Lambda { get; }

    private float[] Weights { get; } // output rows of input length: W[o, i]

    /// <summary>Fits Y ≈ (X − μx) W on centred pairs with ridge penalty <paramref name="lambda"/>.</summary>
    /// <param name="inputs">Input rows.</param>
    /// <param name="outputs">Target rows (same count).</param>
    /// <param name="lambda">The ridge penalty.</param>
    /// <returns>The bridge.</returns>
    public static LinearBridge Fit(IReadOnlyList<float[]> inputs, IReadOnlyList<float[]> outputs, double lambda)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (inputs.Count != outputs.Count || inputs.Count < 2)
        {
            throw new ArgumentException("A bridge needs at least two input/output pairs of the same count.", nameof(inputs));
        }

        int n = inputs.Count, dx = inputs[0].Length, dy = outputs[0].Length;
        float[] mx = Mean(inputs), my = Mean(outputs);
        // Normal equations in double: (XᵀX + λI) W = XᵀY, solved by Cholesky.
        double[] a = new double[dx * dx];
        double[] b = new double[dx * dy];
        for (int s = 0; s < n; s++)
        {
            for (int i = 0; i < dx; i++)
            {
                double xi = inputs[s][i] - mx[i];
                for (int j = 0; j <= i; j++)
                {
                    a[(i * dx) + j] += xi * (inputs[s][j] - mx[j]);
                }

                for (int o = 0; o < dy; o++)
                {
                    b[(i * dy) + o] += xi * (outputs[s][o] - my[o]);
                }
            }
        }

        for (int i = 0; i < dx; i++)
        {
            a[(i * dx) + i] += lambda;
            for (int j = 0; j < i; j++)
            {
                a[(j * dx) + i] = a[(i * dx) + j];
            }
        }

        CholeskySolveInPlace(a, b, dx, dy);
        float[] w = new float[dy * dx];
        for (int i = 0; i < dx; i++)
        {
            for (int o = 0; o < dy; o++)
            {
                w[(o * dx) + i] = (float)b[(i * dy) + o];
            }
        }

        return new LinearBridge(dx, dy, mx, my, w, lambda);
    }

    /// <summary>Maps an input vector to the (centred) output space.</summary>
    /// <param name="input">An input vector.</param>
    /// <returns>The mapped vector, relative to <see cref="OutputMean"/>.</returns>
    public float[] Apply(ReadOnlySpan<float> input)
    {
        float[] centred = new float[InputDimensions];
        for (int i = 0; i < InputDimensions; i++)
        {
            centred[i] = input[i] - InputMean[i];
        }

        float[] result = new float[OutputDimensions];
        for (int o = 0; o < OutputDimensions; o++)
        {
            result[o] = TensorPrimitives.Dot(Weights.AsSpan(o * InputDimensions, InputDimensions), centred);
        }

        return result;
    }

    /// <summary>Writes the bridge.</summary>
    /// <param name="path">The file.</param>
    public void Save(string path)
    {
        using var w = new BinaryWriter(File.Create(path));
        w.Write(Magic);
        w.Write(InputDimensions);
        w.Write(OutputDimensions);
        w.Write(Lambda);
        foreach (float f in InputMean.Concat(OutputMean).Concat(Weights))
        {
            w.Write(f);
        }
    }

    /// <summary>Reads a bridge written by <see cref="Save"/>.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">Not a bridge file.</exception>
    public static LinearBridge Load(string path)
    {
        using var r = new BinaryReader(File.OpenRead(path));
        if (r.ReadInt32() != Magic)
        {
            throw new InvalidDataException($"'{path}' is not a bridge file.");
        }

        int dx = r.ReadInt32(), dy = r.ReadInt32();
        double lambda = r.ReadDouble();
        float[] Read(int count)
        {
            float[] v = new float[count];
            for (int i = 0; i < count; i++)
            {
                v[i] = r.ReadSingle();
            }

            return v;
        }

        float[] mx = Read(dx), my = Read(dy), weights = Read(dx * dy);
        return new LinearBridge(dx, dy, mx, my, weights, lambda);
    }

    private static float[] Mean(IReadOnlyList<float[]> rows)
    {
        float[] m = new float[rows[0].Length];
        foreach (float[] r in rows)
        {
            TensorPrimitives.Add(m, r, m);
        }

        TensorPrimitives.Divide(m, rows.Count, m);
        return m;
    }

    /// <summary>Solves A X = B for symmetric positive definite A (n × n), B (n × m), overwriting B with X.</summary>
    private static void CholeskySolveInPlace(double[] a, double[] b, int n, int m)
    {
        // A = L Lᵀ, L stored in the lower triangle of a.
        for (int j = 0; j < n; j++)
        {
            double d = a[(j * n) + j];
            for (int k = 0; k < j; k++)
            {
                d -= a[(j * n) + k] * a[(j * n) + k];
            }

            if (d <= 0)
            {
                throw new InvalidOperationException("The bridge's normal equations are not positive definite; use a larger ridge penalty.");
            }

            double l = Math.Sqrt(d);
            a[(j * n) + j] = l;
            for (int i = j + 1; i < n; i++)
            {
                double s = a[(i * n) + j];
                for (int k = 0; k < j; k++)
                {
                    s -= a[(i * n) + k] * a[(j * n) + k];
                }

                a[(i * n) + j] = s / l;
            }
        }

        for (int c = 0; c < m; c++)
        {
            // L y = b, then Lᵀ x = y.
            for (int i = 0; i < n; i++)
            {
                double s = b[(i * m) + c];
                for (int k = 0; k < i; k++)
                {
                    s -= a[(i * n) + k] * b[(k * m) + c];
                }

                b[(i * m) + c] = s / a[(i * n) + i];
            }

            for (int i = n - 1; i >= 0; i--)
            {
                double s = b[(i * m) + c];
                for (int k = i + 1; k < n; k++)
                {
                    s -= a[(k * n) + i] * b[(k * m) + c];
                }

                b[(i * m) + c] = s / a[(i * n) + i];
            }
        }
    }
}
