using System.Numerics.Tensors;
using AgentRetrieval.Indexing;

namespace AgentRetrieval.Search;

/// <summary>
/// Shows the same shot kept in several formats as one result: a phone's HEIC and the JPEG exported from it, a camera's
/// RAW and its JPEG, a live photo's still. Two results are the same shot when they were taken at the same second with the
/// same camera (both recorded in their metadata), are of different formats, and their image vectors are near-identical
/// (cosine ≥ <see cref="MinimumCosine"/>). The better-ranked one stays, with the others' paths in <see cref="ImageHit.AlsoAt"/>.
/// </summary>
public static class FormatTwins
{
    /// <summary>The image–image cosine above which two pictures count as the same shot.</summary>
    public const float MinimumCosine = 0.95f;

    /// <summary>Merges the twins in a ranked list, keeping the order of the first of each.</summary>
    /// <param name="index">The index (metadata and vectors).</param>
    /// <param name="ranked">The results, best first.</param>
    /// <returns>The results with each shot once.</returns>
    public static List<ImageHit> Merge(IImageIndex index, IReadOnlyList<ImageHit> ranked)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(ranked);
        // Only results that share a time taken (known in memory) can be twins: the catalogue is read for those alone.
        var taken = new DateTime?[ranked.Count];
        var counts = new Dictionary<DateTime, int>();
        for (int i = 0; i < ranked.Count; i++)
        {
            if ((taken[i] = index.TakenAt(ranked[i].Id)) is DateTime t)
            {
                counts[t] = counts.GetValueOrDefault(t) + 1;
            }
        }

        var result = new List<ImageHit>(ranked.Count);
        var firstOfShot = new Dictionary<(DateTime Taken, string Camera), List<int>>();
        for (int i = 0; i < ranked.Count; i++)
        {
            ImageHit hit = ranked[i];
            if (taken[i] is not DateTime when || counts[when] < 2 || index.GetEntry(hit.Id) is not { Metadata.Camera: { Length: > 0 } camera } entry)
            {
                result.Add(hit);
                continue;
            }

            var key = (when, camera);
            int twinOf = -1;
            if (firstOfShot.TryGetValue(key, out List<int>? candidates))
            {
                float[]? vector = index.GetVector(hit.Id);
                foreach (int at in candidates)
                {
                    ImageHit kept = result[at];
                    if (index.GetEntry(kept.Id)?.Format != entry.Format && vector is not null && index.GetVector(kept.Id) is { } other &&
                        TensorPrimitives.CosineSimilarity(vector, other) >= MinimumCosine)
                    {
                        twinOf = at;
                        break;
                    }
                }
            }

            if (twinOf >= 0)
            {
                ImageHit kept = result[twinOf];
                result[twinOf] = kept with { AlsoAt = [.. kept.AlsoAt, hit.Path] };
                continue;
            }

            if (candidates is null)
            {
                firstOfShot[key] = candidates = [];
            }

            candidates.Add(result.Count);
            result.Add(hit);
        }

        return result;
    }
}
