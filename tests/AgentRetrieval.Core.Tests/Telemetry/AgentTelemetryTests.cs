using System.Diagnostics;
using System.Diagnostics.Metrics;
using AgentRetrieval.Agent;
using AgentRetrieval.Telemetry;
using AgentRetrieval.Tests.Agent;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests.Telemetry;

[CollectionDefinition(nameof(TelemetryTestsRunAlone), DisableParallelization = true)]
public sealed class TelemetryTestsRunAlone;

/// <summary>The spans and metrics of a chat turn, seen by in-memory listeners (no exporter).</summary>
[Collection(nameof(TelemetryTestsRunAlone))]
public sealed class AgentTelemetryTests
{
    [Fact]
    public async Task RunTurn_WithLlm_OneSpanPerStageUnderTheTurnAndStageDurations()
    {
        using var bed = new AgentTestBed();
        for (int i = 0; i < 12; i++)
        {
            bed.Add($"img{i:00}", [1, i / 12f, 0, 0]);
        }

        var chat = new FakeChatClient
        {
            ResponseCallback = (m, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant,
                FakeChatClient.TextOf(m).Contains("JSON plan:", StringComparison.Ordinal) ? "dog" : "It shows a dog."))),
            ScoreCallback = (_, _, _) => Task.FromResult<IReadOnlyList<double>>([0.9, 0.1]),
        };
        RetrievalAgent agent = bed.Agent(new AgentOptions { Clarify = false, CalibrateNoMatch = false, MinRetrievalScore = 0.0, RerankTopN = 4, ResultCount = 5 }, chat);

        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == AgentTelemetry.Name || s.Name == "test",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => { lock (spans) { spans.Add(a); } },
        };
        ActivitySource.AddActivityListener(listener);
        var stageDurations = new List<(double Seconds, string Stage)>();
        long judged = 0;
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == AgentTelemetry.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "agentretrieval.stage.duration")
            {
                string stage = "";
                foreach (KeyValuePair<string, object?> t in tags)
                {
                    stage = t.Key == "stage" ? (string)t.Value! : stage;
                }

                lock (stageDurations) { stageDurations.Add((value, stage)); }
            }
        });
        meters.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "agentretrieval.rerank.candidates_judged")
            {
                Interlocked.Add(ref judged, value);
            }
        });
        meters.Start();

        using var testSource = new ActivitySource("test");
        ActivityTraceId trace;
        AgentTurnResult result;
        using (Activity root = testSource.StartActivity("root")!)
        {
            trace = root.TraceId;
            result = await agent.RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);
        }

        Activity[] ours = [.. spans.Where(a => a.TraceId == trace && a.Source.Name == AgentTelemetry.Name)];
        Activity turn = Assert.Single(ours, a => a.OperationName == "agentretrieval.turn");
        string[] stageSpans = [.. ours.Where(a => a.OperationName.StartsWith("agentretrieval.stage.", StringComparison.Ordinal)).Select(a => a.OperationName["agentretrieval.stage.".Length..])];
        Assert.Equal(result.Stages.Select(s => s.Stage), stageSpans);
        Assert.Equal(["rewrite", "retrieve", "rerank", "respond"], stageSpans);
        Assert.All(ours.Where(a => a != turn && a.OperationName.StartsWith("agentretrieval.stage.", StringComparison.Ordinal)), a => Assert.Equal(turn.SpanId, a.ParentSpanId));
        Assert.Equal(false, ours.Single(a => a.OperationName == "agentretrieval.stage.rerank").GetTagItem("agentretrieval.stage.degraded"));

        Assert.Equal(["rewrite", "retrieve", "rerank", "respond"], stageDurations.Select(d => d.Stage));
        Assert.All(stageDurations, d => Assert.InRange(d.Seconds, 0, 60));
        Assert.Equal(4, judged);
    }
}
