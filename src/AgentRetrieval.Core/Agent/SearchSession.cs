namespace AgentRetrieval.Agent;

/// <summary>
/// One conversation: the dialogue so far, the results shown last, and the user's feedback on results.
/// </summary>
/// <remarks>Not thread-safe: one turn at a time per session.</remarks>
public sealed class SearchSession
{
    private readonly List<DialogueTurn> _turns = [];
    private readonly HashSet<long> _liked = [];
    private readonly HashSet<long> _disliked = [];
    private readonly HashSet<long> _moreLike = [];

    /// <summary>A stable id for hosts that keep several sessions.</summary>
    public string Id { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The dialogue, oldest first.</summary>
    public IReadOnlyList<DialogueTurn> Turns => _turns;

    /// <summary>The results of the last turn, best first.</summary>
    public IReadOnlyList<RankedImage> LastResults { get; private set; } = [];

    /// <summary>The last turn's full result.</summary>
    public AgentTurnResult? LastTurn { get; private set; }

    /// <summary>Images the user liked.</summary>
    public IReadOnlySet<long> Liked => _liked;

    /// <summary>Images the user disliked.</summary>
    public IReadOnlySet<long> Disliked => _disliked;

    /// <summary>Images the user asked for more of ("more like this").</summary>
    public IReadOnlySet<long> MoreLike => _moreLike;

    /// <summary>An image given as part of the next query, if any (encoded bytes).</summary>
    public ReadOnlyMemory<byte>? QueryImage { get; private set; }

    /// <summary>The folders this session searches (empty: the whole index).</summary>
    public IReadOnlyList<string> Scope { get; set; } = [];

    /// <summary>Filters given as parameters (plugin, MCP, command line); they replace what the words say.</summary>
    public Planning.ExplicitFilters? Filters { get; set; }

    /// <summary>Filters the user dropped ("date", "place", "camera", "folder", "text"); a new request that sets one brings it back.</summary>
    public HashSet<string> DroppedFilters { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether a clarifying question was already asked in this session.</summary>
    public bool AskedClarifyingQuestion { get; internal set; }

    /// <summary>Adds a user message.</summary>
    /// <param name="text">The message.</param>
    public void AddUserMessage(string text) => _turns.Add(new DialogueTurn(DialogueRole.User, text));

    /// <summary>Adds the assistant's reply (answers and clarifying questions).</summary>
    /// <param name="text">The reply.</param>
    public void AddAssistantMessage(string text) => _turns.Add(new DialogueTurn(DialogueRole.Assistant, text));

    /// <summary>Marks a result as liked (it moves the query towards it).</summary>
    /// <param name="id">The catalogue id.</param>
    public void Like(long id)
    {
        _disliked.Remove(id);
        _liked.Add(id);
    }

    /// <summary>Marks a result as disliked (it moves the query away and is not shown again).</summary>
    /// <param name="id">The catalogue id.</param>
    public void Dislike(long id)
    {
        _liked.Remove(id);
        _moreLike.Remove(id);
        _disliked.Add(id);
    }

    /// <summary>Asks for more images like this one: its vector becomes part of the query.</summary>
    /// <param name="id">The catalogue id.</param>
    public void AddMoreLike(long id)
    {
        _disliked.Remove(id);
        _moreLike.Add(id);
    }

    /// <summary>Takes back any feedback on an image (like, dislike, more like this): an undo.</summary>
    /// <param name="id">The catalogue id.</param>
    /// <returns>Whether there was feedback to take back.</returns>
    public bool ClearFeedback(long id) => _liked.Remove(id) | _disliked.Remove(id) | _moreLike.Remove(id);

    /// <summary>Sets an image (encoded bytes) as part of the next queries, or clears it.</summary>
    /// <param name="image">The image, or null.</param>
    public void SetQueryImage(ReadOnlyMemory<byte>? image) => QueryImage = image;

    /// <summary>Forgets everything: a new search.</summary>
    public void Reset()
    {
        _turns.Clear();
        _liked.Clear();
        _disliked.Clear();
        _moreLike.Clear();
        QueryImage = null;
        DroppedFilters.Clear();
        Filters = null;
        LastResults = [];
        LastTurn = null;
        AskedClarifyingQuestion = false;
    }

    internal void Complete(AgentTurnResult result)
    {
        LastTurn = result;
        if (result.Results.Count > 0)
        {
            LastResults = result.Results;
        }
    }
}
