namespace AgentRetrieval.Reranking;

/// <summary>
/// The measured cost of each kind of judgment with the LLM in use (seconds per candidate, a moving average over this
/// process's turns), from which the cascade decides which judge fits the budget and how deep stage 2 can go.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class JudgeCosts
{
    /// <summary>A text judgment: the request against one candidate's description, text and metadata.</summary>
    public const string Text = "text";

    /// <summary>An image judgment: the candidate's picture shown to the model.</summary>
    public const string Image = "image";

    private readonly Dictionary<string, double> _seconds = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    /// <summary>Records one judgment's cost.</summary>
    /// <param name="kind"><see cref="Text"/> or <see cref="Image"/>.</param>
    /// <param name="elapsed">How long it took.</param>
    public void Record(string kind, TimeSpan elapsed)
    {
        lock (_lock)
        {
            double s = Math.Max(0, elapsed.TotalSeconds);
            _seconds[kind] = _seconds.TryGetValue(kind, out double old) ? (0.7 * old) + (0.3 * s) : s;
        }
    }

    /// <summary>The expected seconds per judgment of this kind, or null before the first was measured.</summary>
    /// <param name="kind"><see cref="Text"/> or <see cref="Image"/>.</param>
    public double? Estimate(string kind)
    {
        lock (_lock)
        {
            return _seconds.TryGetValue(kind, out double s) ? s : null;
        }
    }
}
