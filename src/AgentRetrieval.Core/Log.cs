using Microsoft.Extensions.Logging;

namespace AgentRetrieval;

/// <summary>The Core project's log messages (source-generated). User text and paths are logged at Trace only.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Indexed {Root}: {Embedded} embedded, {Reused} reused, {Unchanged} unchanged, {Removed} removed, {Skipped} skipped in {Seconds:0.0}s.")]
    public static partial void Indexed(this ILogger logger, string root, int embedded, int reused, int unchanged, int removed, int skipped, double seconds);

    [LoggerMessage(EventId = 101, Level = LogLevel.Trace, Message = "Skipped {Path}: {Reason}")]
    public static partial void FileSkipped(this ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Turn finished: {Stages}")]
    public static partial void TurnFinished(this ILogger logger, string stages);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Stage {Stage} degraded: {Detail}")]
    public static partial void StageDegraded(this ILogger logger, string stage, string detail);

    [LoggerMessage(EventId = 202, Level = LogLevel.Trace, Message = "Retrieval query: {Query}")]
    public static partial void RetrievalQuery(this ILogger logger, string query);
}
