using System.Globalization;
using AgentRetrieval.Indexing;

namespace AgentRetrieval.Search;

/// <summary>What a result shows besides its picture: when, where, with which camera, and the words in it.</summary>
/// <param name="TakenAt">When it was taken (the photo's own wall-clock time), when known.</param>
/// <param name="TakenOffset">The UTC offset of <paramref name="TakenAt"/>, when recorded.</param>
/// <param name="Place">"Lisbon, Portugal", when known.</param>
/// <param name="Camera">"NIKON D750", when known.</param>
/// <param name="Text">The text recognised in it, when any.</param>
/// <param name="Description">The description an MLLM wrote, when any.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public sealed record PhotoDetails(DateTime? TakenAt, TimeSpan? TakenOffset, string? Place, string? Camera, string? Text, string? Description, int Width, int Height)
{
    /// <summary>The details of an indexed image, or null when it is not in the index.</summary>
    /// <param name="index">The index.</param>
    /// <param name="id">The catalogue id.</param>
    public static PhotoDetails? Of(IImageIndex index, long id)
    {
        ArgumentNullException.ThrowIfNull(index);
        CatalogEntry? e = index.GetEntry(id);
        return e is null ? null : new PhotoDetails(e.Metadata?.TakenAt, e.Metadata?.TakenOffset, e.Place?.DisplayName, e.Metadata?.Camera, e.Text, e.Description, e.Width, e.Height);
    }

    /// <summary>ISO 8601 ("2021-03-05T14:30:00", with "+01:00" when the offset is known), or null.</summary>
    public string? TakenAtIso => TakenAt is not { } t ? null
        : TakenOffset is { } o ? new DateTimeOffset(t, o).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture)
        : t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
}
