using System.Globalization;

namespace AgentRetrieval.Indexing;

/// <summary>
/// A library at a glance, for a start page: how many photos, from when to when, in which folders, which places and
/// cameras occur, the newest photos, and example requests made from the library itself (a year, a place, a camera
/// that is really in it), so that a new user sees what can be asked.
/// </summary>
/// <param name="Photos">Photos in scope.</param>
/// <param name="From">The earliest date taken, when any photo has one.</param>
/// <param name="To">The latest date taken.</param>
/// <param name="Folders">The folders holding the photos, most photos first (at most eight).</param>
/// <param name="Places">Places the photos were taken, as the catalogue names them (at most eight).</param>
/// <param name="Cameras">Cameras that took them (at most eight).</param>
/// <param name="Recent">The newest photos (by date taken; undated last).</param>
/// <param name="Examples">Requests that fit this library.</param>
public sealed record LibraryOverview(int Photos, DateTime? From, DateTime? To, IReadOnlyList<(string Folder, int Photos)> Folders,
    IReadOnlyList<string> Places, IReadOnlyList<string> Cameras, IReadOnlyList<ImageHit> Recent, IReadOnlyList<string> Examples)
{
    /// <summary>Reads the overview from the index.</summary>
    /// <param name="index">The index.</param>
    /// <param name="scope">Folders in scope (null or empty: the whole index).</param>
    /// <param name="recent">How many newest photos.</param>
    /// <returns>The overview.</returns>
    /// <remarks>Thread-safe as the index is.</remarks>
    public static LibraryOverview Build(EmbeddedImageIndex index, IReadOnlyList<string>? scope = null, int recent = 12)
    {
        ArgumentNullException.ThrowIfNull(index);
        var filter = new CatalogFilter(null, null, null, null, scope ?? []);
        (IReadOnlyList<ImageHit> newest, int total) = index.ListByDate(filter, newestFirst: true, 0, Math.Max(1, recent));
        DateTime? from = null, to = null;
        var dated = new List<DateTime>();
        foreach (ImageHit hit in newest)
        {
            if (index.TakenAt(hit.Id) is DateTime t)
            {
                dated.Add(t);
            }
        }

        if (total > 0)
        {
            (IReadOnlyList<ImageHit> oldest, _) = index.ListByDate(filter, newestFirst: false, 0, 1);
            to = dated.Count > 0 ? dated.Max() : null;
            from = oldest.Count > 0 ? index.TakenAt(oldest[0].Id) : null;
        }

        IReadOnlySet<long>? inScope = filter.IsEmpty ? null : index.Match(filter);
        IReadOnlyList<(string Folder, int Photos)> folders = inScope is null || inScope.Count > 0 ? index.Folders(inScope, 8) : [];
        string[] places = [.. index.Places().Select(p => p.City is { Length: > 0 } city ? city : p.Country).Where(x => x.Length > 0).Distinct(StringComparer.Ordinal).Take(8)];
        string[] cameras = [.. index.Cameras().Select(c => c.DisplayName).Where(x => x != "unknown camera").Distinct(StringComparer.Ordinal).Take(8)];

        var examples = new List<string>();
        if (to is DateTime last)
        {
            examples.Add(string.Create(CultureInfo.InvariantCulture, $"photos from {last.Year}"));
        }

        if (places.Length > 0)
        {
            examples.Add($"photos in {places[0]}");
        }

        if (cameras.Length > 0)
        {
            examples.Add($"taken with the {cameras[0]}");
        }

        examples.Add("a beach at sunset, not people");
        return new LibraryOverview(filter.IsEmpty ? index.Count : inScope?.Count ?? 0, from, to, folders, places, cameras, [.. newest.Take(recent)], examples);
    }
}
