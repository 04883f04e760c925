using System.Collections.Concurrent;
using AgentRetrieval.Agent;

namespace AgentRetrieval.Web;

/// <summary>One browser tab's conversation, used one turn at a time.</summary>
internal sealed class WebSession
{
    public SearchSession Search { get; } = new();

    public SemaphoreSlim Gate { get; } = new(1, 1);

    public DateTimeOffset LastUsed { get; set; }
}

/// <summary>Sessions per browser tab, expiring when idle and capped in number.</summary>
internal sealed class WebSessionStore(WebOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, WebSession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    public (string Id, WebSession Session) Create()
    {
        Sweep(makeRoom: true);
        var s = new WebSession { LastUsed = time.GetUtcNow() };
        _sessions[s.Search.Id] = s;
        return (s.Search.Id, s);
    }

    public WebSession? Get(string id)
    {
        Sweep(makeRoom: false);
        if (_sessions.TryGetValue(id, out WebSession? s))
        {
            s.LastUsed = time.GetUtcNow();
            return s;
        }

        return null;
    }

    /// <summary>Drops expired sessions, then the least recently used beyond the cap (one more when a session is about to be added).</summary>
    private void Sweep(bool makeRoom)
    {
        DateTimeOffset now = time.GetUtcNow();
        foreach (KeyValuePair<string, WebSession> kv in _sessions)
        {
            if (now - kv.Value.LastUsed > options.SessionTimeout)
            {
                _sessions.TryRemove(kv.Key, out _);
            }
        }

        while (_sessions.Count > options.MaxSessions - (makeRoom ? 1 : 0))
        {
            KeyValuePair<string, WebSession> oldest = _sessions.MinBy(kv => kv.Value.LastUsed);
            _sessions.TryRemove(oldest.Key, out _);
        }
    }
}
