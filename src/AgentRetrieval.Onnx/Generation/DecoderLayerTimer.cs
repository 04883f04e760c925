using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace AgentRetrieval.Onnx.Generation;

/// <summary>
/// Times one real-size decoder layer (<c>phi3-layer-shape</c>: input <c>x</c> [1, S, hidden], output <c>y</c>) for a
/// number of tokens, so that a benchmark can estimate a real model's prefill and decoding from prompt sizes measured
/// elsewhere: layers × the time of one layer. An estimate, not a measurement of the model (no vision encoder, no KV cache).
/// </summary>
/// <remarks>Not thread-safe; dispose to release the session.</remarks>
public sealed class DecoderLayerTimer : IDisposable
{
    private readonly InferenceSession _session;
    private readonly int _hidden;

    /// <summary>Loads the layer.</summary>
    /// <param name="modelPath">The layer's ONNX file (its weights beside it).</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">It is not a layer with one input [1, S, hidden].</exception>
    public DecoderLayerTimer(string modelPath)
    {
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"No decoder layer at '{modelPath}'.", modelPath);
        }

        _session = new InferenceSession(modelPath, new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL });
        NodeMetadata input = _session.InputMetadata.Values.First();
        _hidden = input.Dimensions is { Length: 3 } d && d[2] > 0 ? d[2] : throw new InvalidDataException($"'{modelPath}' does not take [1, S, hidden] input.");
    }

    /// <summary>The median time of one pass over <paramref name="tokens"/> tokens.</summary>
    /// <param name="tokens">The sequence length.</param>
    /// <param name="repeats">Passes timed (after one warm-up).</param>
    public TimeSpan Time(int tokens, int repeats = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tokens, 1);
        float[] x = new float[tokens * _hidden];
        var random = new Random(7);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)((random.NextDouble() - 0.5) * 0.1);
        }

        string name = _session.InputMetadata.Keys.First();
        var times = new List<TimeSpan>();
        for (int r = 0; r <= repeats; r++)
        {
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(x, [1, tokens, _hidden]);
            var sw = Stopwatch.StartNew();
            using IDisposableReadOnlyCollection<OrtValue> output = _session.Run(new RunOptions(), [name], [input], _session.OutputNames);
            if (r > 0)
            {
                times.Add(sw.Elapsed);
            }
        }

        return times.Order().ElementAt(times.Count / 2);
    }

    /// <inheritdoc/>
    public void Dispose() => _session.Dispose();
}
