using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentRetrieval.Agent;

namespace AgentRetrieval.Telemetry;

/// <summary>
/// The product's OpenTelemetry-compatible signals, with no exporter of its own (a host turns one on): an
/// <see cref="ActivitySource"/> named <see cref="Name"/> with a span per chat turn, per agent stage (rewrite, retrieve,
/// clarify, rerank, respond) and per indexing pass (vectors, text); and a <see cref="Meter"/> of the same name with turn
/// and stage durations, candidates judged, and images indexed and skipped. The chat clients' own spans (Microsoft.Extensions.AI's
/// OpenTelemetry middleware) use the same source name.
/// </summary>
public static class AgentTelemetry
{
    /// <summary>The name of the activity source and the meter.</summary>
    public const string Name = "AgentRetrieval";

    /// <summary>The spans.</summary>
    public static readonly ActivitySource Source = new(Name, "1.0");

    /// <summary>The metrics.</summary>
    public static readonly Meter Meter = new(Name, "1.0");

    /// <summary>Seconds per chat turn.</summary>
    public static readonly Histogram<double> TurnDuration = Meter.CreateHistogram<double>("agentretrieval.turn.duration", "s", "Duration of a chat turn.");

    /// <summary>Seconds per agent stage (tags: stage, degraded).</summary>
    public static readonly Histogram<double> StageDuration = Meter.CreateHistogram<double>("agentretrieval.stage.duration", "s", "Duration of one agent stage of a turn.");

    /// <summary>Candidates a reranker judged.</summary>
    public static readonly Counter<long> CandidatesJudged = Meter.CreateCounter<long>("agentretrieval.rerank.candidates_judged", "{candidate}", "Candidates judged by a reranking stage.");

    /// <summary>Images embedded into the index.</summary>
    public static readonly Counter<long> ImagesIndexed = Meter.CreateCounter<long>("agentretrieval.index.images_indexed", "{image}", "Images embedded into the index.");

    /// <summary>Files the indexer skipped (tag: pass).</summary>
    public static readonly Counter<long> ImagesSkipped = Meter.CreateCounter<long>("agentretrieval.index.images_skipped", "{image}", "Files an indexing pass skipped or could not read.");

    /// <summary>Starts a turn's span.</summary>
    public static Activity? StartTurn() => Source.StartActivity("agentretrieval.turn");

    /// <summary>Starts a stage's span as a child of the turn (explicitly: a streaming turn resumes on the caller's context).</summary>
    /// <param name="stage">rewrite, retrieve, clarify, rerank or respond.</param>
    /// <param name="turn">The turn's span.</param>
    public static Activity? StartStage(string stage, Activity? turn) =>
        Source.StartActivity("agentretrieval.stage." + stage, ActivityKind.Internal, turn?.Context ?? default(ActivityContext));

    /// <summary>Ends a stage's span with what the stage reported, and records its duration.</summary>
    public static void EndStage(Activity? activity, StageReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (activity is not null)
        {
            activity.SetTag("agentretrieval.stage", report.Stage);
            activity.SetTag("agentretrieval.stage.ran", report.Ran);
            activity.SetTag("agentretrieval.stage.degraded", report.Degraded);
            activity.SetTag("agentretrieval.stage.detail", report.Detail);
            activity.Stop();
        }

        StageDuration.Record(report.Elapsed.TotalSeconds, new KeyValuePair<string, object?>("stage", report.Stage), new KeyValuePair<string, object?>("degraded", report.Degraded));
    }

    /// <summary>Ends a turn's span and records its duration.</summary>
    public static void EndTurn(Activity? activity, TimeSpan elapsed, int candidates, bool noMatch)
    {
        if (activity is not null)
        {
            activity.SetTag("agentretrieval.candidates", candidates);
            activity.SetTag("agentretrieval.no_match", noMatch);
            activity.Stop();
        }

        TurnDuration.Record(elapsed.TotalSeconds);
    }
}
