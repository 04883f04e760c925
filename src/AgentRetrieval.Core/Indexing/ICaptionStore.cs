namespace AgentRetrieval.Indexing;

/// <summary>Short captions of indexed images, cached by catalogue id (made by a multimodal LLM).</summary>
public interface ICaptionStore
{
    /// <summary>The cached caption, or null.</summary>
    /// <param name="id">The catalogue id.</param>
    string? GetCaption(long id);

    /// <summary>Caches a caption.</summary>
    /// <param name="id">The catalogue id.</param>
    /// <param name="caption">The caption.</param>
    void SetCaption(long id, string caption);
}
