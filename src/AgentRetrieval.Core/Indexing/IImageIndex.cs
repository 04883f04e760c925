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
}
