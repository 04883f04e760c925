using AgentRetrieval.Indexing;

namespace AgentRetrieval.Web;

/// <summary>The one indexing run the page may start, with its progress.</summary>
internal sealed class IndexJob
{
    private readonly Lock _lock = new();

    public string? Folder { get; private set; }

    public IndexProgress? Progress { get; private set; }

    public IndexReport? Report { get; private set; }

    public string? Error { get; private set; }

    public bool Running { get; private set; }

    public bool TryStart(string folder, Func<IProgress<IndexProgress>, Task<IndexReport>> run)
    {
        lock (_lock)
        {
            if (Running)
            {
                return false;
            }

            Running = true;
            Folder = folder;
            Progress = null;
            Report = null;
            Error = null;
        }

        var progress = new ProgressSink(this);
        _ = Task.Run(async () =>
        {
            try
            {
                Report = await run(progress);
            }
            catch (Exception ex)
            {
                Error = ex.Message;
            }
            finally
            {
                Running = false;
            }
        });
        return true;
    }

    private sealed class ProgressSink(IndexJob job) : IProgress<IndexProgress>
    {
        public void Report(IndexProgress value) => job.Progress = value;
    }
}
