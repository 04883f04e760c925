using AgentRetrieval.Indexing;

namespace AgentRetrieval.Web;

/// <summary>The one indexing run the page may start: its vectors pass, then the passes that follow it (text in the pictures), each with its progress.</summary>
internal sealed class IndexJob : IDisposable
{
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private Task _task = Task.CompletedTask;

    public string? Folder { get; private set; }

    public IndexReport? Report { get; private set; }

    public string? Error { get; private set; }

    public bool Running { get; private set; }

    /// <summary>The vectors pass and the follow-up passes of the current (or last) run.</summary>
    public IReadOnlyList<PassProgress> Passes { get; private set; } = [];

    public bool TryStart(string folder, Func<IProgress<IndexProgress>, CancellationToken, Task<IndexReport>> run, Func<IProgress<IndexProgress>, CancellationToken, Task>? followUp = null)
    {
        lock (_lock)
        {
            if (Running)
            {
                return false;
            }

            Running = true;
            Folder = folder;
            Report = null;
            Error = null;
            Passes = followUp is null ? [new PassProgress("vectors")] : [new PassProgress("vectors"), new PassProgress("text")];
        }

        IReadOnlyList<PassProgress> passes = Passes;
        var progress = new ProgressSink(passes);
        CancellationToken token = _stopping.Token;
        _task = Task.Run(async () =>
        {
            try
            {
                Report = await run(progress, token);
                passes[0].Finish();
                if (followUp is not null)
                {
                    await followUp(progress, token);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                Error = "stopped: the server is shutting down (what was indexed is kept)";
            }
            catch (Exception ex)
            {
                Error = ex.Message;
            }
            finally
            {
                foreach (PassProgress p in passes)
                {
                    p.Finish();
                }

                Running = false;
            }
        });
        return true;
    }

    /// <summary>
    /// Stops the run in flight and waits for it (at most <paramref name="wait"/>): the server must not dispose the
    /// model and the index while a run still uses them.
    /// </summary>
    public void Stop(TimeSpan wait)
    {
        _stopping.Cancel();
        try
        {
            _task.Wait(wait);
        }
        catch (AggregateException)
        {
            // The run reports its own failure in Error.
        }
    }

    public void Dispose() => _stopping.Dispose();

    private sealed class ProgressSink(IReadOnlyList<PassProgress> passes) : IProgress<IndexProgress>
    {
        public void Report(IndexProgress value)
        {
            // The indexer's embed phase is the vectors pass; "text" is the text-in-pictures pass that follows it.
            PassProgress? pass = value.Phase switch
            {
                "embed" => passes[0],
                "text" when passes.Count > 1 => passes[1],
                _ => null,
            };
            pass?.Report(value);
        }
    }
}
