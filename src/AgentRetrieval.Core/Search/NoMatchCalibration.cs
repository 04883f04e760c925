using AgentRetrieval.Embeddings;
using AgentRetrieval.Indexing;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Search;

/// <summary>
/// The honest "nothing here matches" threshold for a model without calibrated match probabilities, learned from the
/// index itself: requests that mean nothing (keyboard mashes, made-up words) are searched, and their best similarity is
/// the level a real match must beat. Every model has its own scale (the offline default scores "qwerty asdf" at 0.42,
/// CLIP at about 0.2), so a fixed cosine threshold cannot work for all of them.
/// </summary>
public static class NoMatchCalibration
{
    /// <summary>How far above the best meaningless request a match must be.</summary>
    public const double Margin = 0.02;

    /// <summary>Requests with no visual meaning in any photo library.</summary>
    public static IReadOnlyList<string> Unrelated { get; } =
        ["qwerty asdf", "zxcvbn mnbvcx", "plugh xyzzy", "frobnicate quux", "blorp zindle vex", "asdf jkl semicolon", "vbnm qwop", "klaatu barada nikto"];

    /// <summary>The smallest similarity that counts as a match in this index with this model.</summary>
    /// <param name="encoder">The model's text encoder.</param>
    /// <param name="index">The index.</param>
    /// <param name="model">The model's identity.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The best similarity any unrelated request reaches; null when the index is too small to say.</returns>
    public static async Task<double?> ThresholdAsync(IEmbeddingGenerator<string, Embedding<float>> encoder, IImageIndex index, ModelIdentity model, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(index);
        if (index.Count < 4)
        {
            return null;
        }

        GeneratedEmbeddings<Embedding<float>> vectors = await encoder.GenerateAsync(Unrelated, cancellationToken: cancellationToken);
        double best = double.MinValue;
        foreach (Embedding<float> v in vectors)
        {
            IReadOnlyList<ImageHit> hit = index.Search(v.Vector.Span, model, 1);
            if (hit.Count > 0)
            {
                best = Math.Max(best, hit[0].Score);
            }
        }

        // A small margin: a request as meaningless as these must not pass by a hair.
        return best == double.MinValue ? null : best + Margin;
    }
}
