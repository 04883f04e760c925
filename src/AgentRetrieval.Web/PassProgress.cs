using AgentRetrieval.Indexing;

namespace AgentRetrieval.Web;

/// <summary>
/// Where one indexing pass is (vectors, text in the pictures, descriptions), with its rate and time left, for the
/// page's indexing panel. Fed as an <see cref="IProgress{T}"/> by the pass itself.
/// </summary>
/// <remarks>Thread-safe: the pass reports from its thread, the page reads from request threads.</remarks>
public sealed class PassProgress : IProgress<IndexProgress>
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private long _started;
    private int _done;
    private int _total;
    private int _doneAtStart;
    private bool _finished;
    private string? _current;

    /// <summary>Creates the progress of the pass named <paramref name="name"/>.</summary>
    /// <param name="name">vectors, text or descriptions.</param>
    /// <param name="timeProvider">The clock.</param>
    public PassProgress(string name, TimeProvider? timeProvider = null)
    {
        Name = name;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The pass's name.</summary>
    public string Name { get; }

    /// <summary>Whether the pass has reported anything yet.</summary>
    public bool Started { get; private set; }

    /// <inheritdoc/>
    public void Report(IndexProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_lock)
        {
            if (!Started || value.Done < _done)
            {
                Started = true;
                _started = _time.GetTimestamp();
                _doneAtStart = value.Done;
                _finished = false;
            }

            _done = value.Done;
            _total = value.Total;
            _current = value.Current is null ? _current : Path.GetFileName(value.Current);
            _finished = value.Total > 0 && value.Done >= value.Total;
        }
    }

    /// <summary>Marks the pass finished (it may end before its total: stopped, or nothing to do).</summary>
    public void Finish()
    {
        lock (_lock)
        {
            Started = true;
            _finished = true;
        }
    }

    /// <summary>The pass as the page shows it: done, total, images per second, seconds left (null while unknown).</summary>
    public object Snapshot()
    {
        lock (_lock)
        {
            double seconds = Started ? _time.GetElapsedTime(_started).TotalSeconds : 0;
            double? rate = seconds > 0.5 && _done > _doneAtStart ? (_done - _doneAtStart) / seconds : null;
            double? left = rate is double r && !_finished && _total > _done ? (_total - _done) / r : null;
            return new
            {
                name = Name,
                started = Started,
                finished = _finished,
                done = _done,
                total = _total,
                rate = rate is double x ? Math.Round(x, 2) : (double?)null,
                secondsLeft = left is double l ? Math.Round(l) : (double?)null,
                current = _current,
            };
        }
    }
}
