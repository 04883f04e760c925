using AgentRetrieval.Embeddings;

namespace AgentRetrieval.Indexing;

/// <summary>
/// A searchable store of image vectors with their catalogue. The embedded SQLite index implements it; a vector-database
/// backend can implement it later.
/// </summary>
public interface IImageIndex : IDisposable
{
    /// <summary>The model that built the index, or <see langword="null"/> while it is empty and new.</summary>
    ModelIdentity? Model { get; }

    /// <summary>The number of distinct images (by content) in the index.</summary>
    int Count { get; }

    /// <summary>Exact top-<paramref name="top"/> by cosine similarity to a unit-length query vector.</summary>
    /// <param name="query">The query vector, L2-normalised.</param>
    /// <param name="queryModel">The model that made <paramref name="query"/>; it must match <see cref="Model"/>.</param>
    /// <param name="top">How many hits at most.</param>
    /// <returns>Hits, best first.</returns>
    /// <exception cref="ModelIdentityMismatchException">The query comes from another model.</exception>
    IReadOnlyList<ImageHit> Search(ReadOnlySpan<float> query, ModelIdentity queryModel, int top);

    /// <summary>The catalogue entry of an id, or <see langword="null"/>.</summary>
    /// <param name="id">The catalogue id.</param>
    CatalogEntry? GetEntry(long id);

    /// <summary>The stored vector of an id, or <see langword="null"/>.</summary>
    /// <param name="id">The catalogue id.</param>
    float[]? GetVector(long id);

    /// <summary>Exact top-<paramref name="top"/> among the ids a filter allows (pre-filtered).</summary>
    /// <param name="query">The query vector, L2-normalised.</param>
    /// <param name="queryModel">The model that made <paramref name="query"/>.</param>
    /// <param name="top">How many hits at most.</param>
    /// <param name="allowed">The ids to search among, or null for all.</param>
    /// <returns>Hits, best first.</returns>
    IReadOnlyList<ImageHit> Search(ReadOnlySpan<float> query, ModelIdentity queryModel, int top, IReadOnlySet<long>? allowed);

    /// <summary>The ids a filter lets through, or null when it lets everything through.</summary>
    /// <param name="filter">The filter.</param>
    IReadOnlySet<long>? Match(CatalogFilter filter);

    /// <summary>Every image a filter lets through, in date order, one page at a time.</summary>
    /// <param name="filter">The filter.</param>
    /// <param name="newestFirst">Newest first, else oldest first.</param>
    /// <param name="offset">How many to skip.</param>
    /// <param name="count">How many at most.</param>
    (IReadOnlyList<ImageHit> Page, int Total) ListByDate(CatalogFilter filter, bool newestFirst, int offset, int count);

    /// <summary>Full-text search over recognised text (and names and descriptions).</summary>
    /// <param name="query">The words.</param>
    /// <param name="recognisedTextOnly">Only recognised text.</param>
    /// <param name="allowed">The ids to search among, or null.</param>
    /// <param name="top">How many at most.</param>
    IReadOnlyList<(long Id, double Score)> TextSearch(string query, bool recognisedTextOnly, IReadOnlySet<long>? allowed, int top);

    /// <summary>Every place where indexed photos were taken.</summary>
    /// <param name="gazetteer">For the cities' positions (optional).</param>
    IReadOnlyList<Metadata.Place> Places(Metadata.Gazetteer? gazetteer = null);

    /// <summary>Every camera that took indexed photos.</summary>
    IReadOnlyList<Planning.CameraModel> Cameras();

    /// <summary>When an image was taken (wall-clock), when known.</summary>
    /// <param name="id">The catalogue id.</param>
    DateTime? TakenAt(long id);
}
