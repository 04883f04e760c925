using AgentRetrieval.Agent;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests.Agent;

/// <summary>Injected faults: the turn degrades instead of failing, and the answer says so.</summary>
public sealed class AgentResilienceTests
{
    private static AgentOptions Options(Action<AgentOptions>? change = null)
    {
        var o = new AgentOptions { RerankStrategy = "pointwise", Clarify = false, CalibrateNoMatch = false, MinRetrievalScore = 0.0, RerankTopN = 4, ResultCount = 5, LlmCallTimeout = TimeSpan.FromSeconds(5) };
        change?.Invoke(o);
        return o;
    }

    private static AgentTestBed Bed()
    {
        var bed = new AgentTestBed();
        for (int i = 0; i < 6; i++)
        {
            bed.Add($"i{i}", [1, 0.1f * i, 0, 0]);
        }

        return bed;
    }

    [Fact]
    public async Task RerankThrows_DegradesToRetrievalOrder()
    {
        using AgentTestBed bed = Bed();
        var chat = new FakeChatClient
        {
            ResponseCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "dog"))),
            ScoreCallback = (_, _, _) => throw new InvalidOperationException("device lost"),
        };

        AgentTurnResult r = await bed.Agent(Options(), chat).RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        StageReport rerank = r.Stages.Single(s => s.Stage == "rerank");
        Assert.True(rerank.Degraded);
        Assert.Contains("retrieval order", rerank.Detail);
        Assert.Equal(["i0.png", "i1.png", "i2.png"], r.Results.Take(3).Select(x => Path.GetFileName(x.Path)));
        Assert.Contains("DEGRADED", r.Answer);
        Assert.True(r.Degraded);
    }

    [Fact]
    public async Task ModelTimesOut_DegradesWithTimeoutReason()
    {
        using AgentTestBed bed = Bed();
        var chat = new FakeChatClient
        {
            ResponseCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "dog"))),
            ScoreCallback = async (_, _, ct) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(30), ct);
                return [0.5, 0.5];
            },
        };

        AgentTurnResult r = await bed.Agent(Options(o => o.LlmCallTimeout = TimeSpan.FromMilliseconds(100)), chat)
            .RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        Assert.Contains("timed out", r.Stages.Single(s => s.Stage == "rerank").Detail);
        Assert.NotNull(r.Pick);
    }

    [Fact]
    public async Task RewriteFails_FallsBackToRuleQuery()
    {
        using AgentTestBed bed = Bed();
        var chat = new FakeChatClient
        {
            ResponseCallback = (m, _, _) => FakeChatClient.TextOf(m).Contains("JSON plan:")
                ? throw new InvalidOperationException("boom")
                : Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "fits"))),
            ScoreCallback = (_, _, _) => Task.FromResult<IReadOnlyList<double>>([0.9, 0.1]),
        };

        AgentTurnResult r = await bed.Agent(Options(), chat).RunTurnAsync(new SearchSession(), "find a dog", TestContext.Current.CancellationToken);

        StageReport rewrite = r.Stages.Single(s => s.Stage == "rewrite");
        Assert.True(rewrite.Degraded);
        Assert.Contains("rules' plan", rewrite.Detail);
        Assert.Equal("a dog", r.Query);
        Assert.NotNull(r.Pick);
    }

    [Fact]
    public async Task RepeatedFailures_OpenTheCircuit()
    {
        using AgentTestBed bed = Bed();
        int calls = 0;
        var chat = new FakeChatClient
        {
            ResponseCallback = (_, _, _) =>
            {
                Interlocked.Increment(ref calls);
                throw new InvalidOperationException("model crashed");
            },
        };
        RetrievalAgent agent = bed.Agent(Options(o => o.RerankStrategy = "none"), chat);
        var session = new SearchSession();

        for (int i = 0; i < 4; i++)
        {
            await agent.RunTurnAsync(session, "dog " + i, TestContext.Current.CancellationToken);
        }

        int before = calls;
        AgentTurnResult r = await agent.RunTurnAsync(session, "dog again", TestContext.Current.CancellationToken);

        Assert.Contains("circuit open", r.Stages.Single(s => s.Stage == "rewrite").Detail);
        Assert.Equal(before, calls);
        Assert.NotEmpty(r.Results);
    }

    [Fact]
    public async Task TurnBudgetRunsOut_KeepsWhatWasJudged()
    {
        using AgentTestBed bed = Bed();
        int scored = 0;
        var chat = new FakeChatClient
        {
            ResponseCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "dog"))),
            ScoreCallback = async (_, _, ct) =>
            {
                if (Interlocked.Increment(ref scored) > 1)
                {
                    await Task.Delay(TimeSpan.FromSeconds(30), ct);
                }

                return [0.9, 0.1];
            },
        };

        AgentTurnResult r = await bed.Agent(Options(o => { o.TurnBudget = TimeSpan.FromMilliseconds(500); o.LlmCallTimeout = TimeSpan.FromSeconds(20); }), chat)
            .RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        StageReport rerank = r.Stages.Single(s => s.Stage == "rerank");
        Assert.True(rerank.Degraded);
        Assert.Contains("judged 1 of", rerank.Detail);
        Assert.Contains("time budget", rerank.Detail);
        Assert.Equal(0.9, r.Results[0].LlmScore);
    }

    [Fact]
    public async Task CallerCancels_TurnIsCancelled()
    {
        using AgentTestBed bed = Bed();
        using var cts = new CancellationTokenSource();
        var chat = new FakeChatClient
        {
            ResponseCallback = async (_, _, ct) =>
            {
                await cts.CancelAsync();
                await Task.Delay(TimeSpan.FromSeconds(30), ct);
                return new ChatResponse();
            },
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bed.Agent(Options(), chat).RunTurnAsync(new SearchSession(), "dog", cts.Token));
    }
}
