using AgentRetrieval.Agent;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests.Agent;

public sealed class RetrievalAgentTests
{
    private static AgentOptions Options(Action<AgentOptions>? change = null)
    {
        var o = new AgentOptions { RerankStrategy = "pointwise", Clarify = false, CalibrateNoMatch = false, MinRetrievalScore = 0.0, RerankTopN = 4, ResultCount = 5 };
        change?.Invoke(o);
        return o;
    }

    private static Task<ChatResponse> Reply(string text) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text)));

    private static string Prompt(IList<ChatMessage> m) => FakeChatClient.TextOf(m);

    [Fact]
    public async Task RunTurnAsync_NoLlm_RuleQueryNegationsAndStagesInAnswer()
    {
        using var bed = new AgentTestBed();
        bed.Add("dog1", [1, 0, 0, 0]);
        bed.Add("reddog", [1, 0, 1, 0]);
        bed.Add("cat1", [0, 1, 0, 0]);
        bed.Text.Vectors["a dog"] = [1, 0, 0.4f, 0];
        RetrievalAgent agent = bed.Agent(Options());
        var session = new SearchSession();

        AgentTurnResult r = await agent.RunTurnAsync(session, "show me a dog, not red", TestContext.Current.CancellationToken);

        Assert.Equal("a dog", r.Query);
        Assert.Equal(["red"], r.NegativeTerms);
        Assert.Equal("dog1.png", Path.GetFileName(r.Pick!.Path));
        Assert.Contains("no LLM configured", r.Answer);
        Assert.Contains("rerank: skipped", r.Answer);
        Assert.False(r.Stages.Single(s => s.Stage == "rerank").Ran);
    }

    [Fact]
    public async Task RunTurnAsync_NoLlmDislikeAndLike_FeedbackMovesTheVector()
    {
        using var bed = new AgentTestBed();
        long a = bed.Add("a", [1, 0.1f, 0, 0]);
        bed.Add("b", [1, 0, 0.3f, 0]);
        long c = bed.Add("c", [0.6f, 0.8f, 0, 0]);
        RetrievalAgent agent = bed.Agent(Options());
        var session = new SearchSession();
        AgentTurnResult first = await agent.RunTurnAsync(session, "dog", TestContext.Current.CancellationToken);
        Assert.Equal(a, first.Results[0].Id);

        session.Dislike(a);
        session.Like(c);
        AgentTurnResult second = await agent.RunTurnAsync(session, "", TestContext.Current.CancellationToken);

        Assert.DoesNotContain(second.Results, x => x.Id == a);
        Assert.Equal(c, second.Results[0].Id);
        Assert.Contains("1 liked", second.Stages.Single(s => s.Stage == "retrieve").Detail);
    }

    [Fact]
    public async Task RunTurnAsync_Rewrite_SeesWholeDialogueAndFeedbackCaptions()
    {
        using var bed = new AgentTestBed();
        long liked = bed.Add("beach", [1, 0, 0, 0], caption: "a dog running on a sunny beach");
        long disliked = bed.Add("snow", [0.9f, 0.1f, 0, 0], caption: "a dog in deep snow");
        var chat = new FakeChatClient
        {
            ResponseCallback = (m, _, _) => Reply(Prompt(m).Contains("JSON plan:") ? """{"visual_query": "dog on a beach at sunset", "negative_terms": [], "date_from": null}""" : "fine"),
            ScoreCallback = (_, c, _) => Task.FromResult<IReadOnlyList<double>>([0.9, 0.1]),
        };
        RetrievalAgent agent = bed.Agent(Options(), chat);
        var session = new SearchSession();
        await agent.RunTurnAsync(session, "a dog", TestContext.Current.CancellationToken);
        session.Like(liked);
        session.Dislike(disliked);

        AgentTurnResult r = await agent.RunTurnAsync(session, "at sunset please", TestContext.Current.CancellationToken);

        string rewritePrompt = Prompt(chat.Calls.Last(c => Prompt(c).Contains("JSON plan:")));
        Assert.Contains("User: a dog", rewritePrompt);
        Assert.Contains("User: at sunset please", rewritePrompt);
        Assert.Contains("a dog running on a sunny beach", rewritePrompt[rewritePrompt.IndexOf("<liked>", StringComparison.Ordinal)..rewritePrompt.IndexOf("</liked>", StringComparison.Ordinal)]);
        Assert.Contains("a dog in deep snow", rewritePrompt[rewritePrompt.IndexOf("<disliked>", StringComparison.Ordinal)..]);
        Assert.Equal("dog on a beach at sunset", r.Query);
        Assert.Contains("dog on a beach at sunset", bed.Text.Seen);
    }

    [Fact]
    public async Task RunTurnAsync_128Candidates_AllReachRerankerAndPickCombinesScores()
    {
        using var bed = new AgentTestBed();
        var rng = new Random(3);
        for (int i = 0; i < 150; i++)
        {
            bed.Add($"img{i:000}", [1, (float)rng.NextDouble(), (float)rng.NextDouble(), 0]);
        }

        var chat = new FakeChatClient
        {
            ResponseCallback = (m, _, _) => Reply(Prompt(m).Contains("JSON plan:") ? "dog" : "It shows a dog."),
            // The model likes the third-ranked candidate much more than the others.
            ScoreCallback = (m, _, _) => Task.FromResult<IReadOnlyList<double>>(FakeChatClient.ImagesOf(m)[0] == ThirdName ? [0.95, 0.05] : [0.2, 0.8]),
        };
        RetrievalAgent agent = bed.Agent(Options(o => o.LlmWeight = 1.0), chat);
        AgentTurnResult baseline = await bed.Agent(Options()).RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);
        ThirdName = Path.GetFileName(baseline.Results[2].Path);

        AgentTurnResult r = await agent.RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        Assert.Equal(128, r.CandidateCount);
        Assert.Contains("judged 4 of 128 candidates", r.Stages.Single(s => s.Stage == "rerank").Detail);
        Assert.Equal(ThirdName, Path.GetFileName(r.Pick!.Path));
        Assert.Equal(r.Pick.RetrievalScore + 0.95, r.Pick.FinalScore, 6);
        Assert.Equal(0.95, r.Pick.LlmScore!.Value, 6);
        Assert.Null(r.Results[4].LlmScore);
        Assert.Contains("It shows a dog.", r.Answer);
    }

    private static string ThirdName { get; set; } = "";

    [Fact]
    public async Task RunTurnAsync_AllBelowThreshold_HonestNoMatch()
    {
        using var bed = new AgentTestBed();
        bed.Add("x", [1, 0, 0, 0]);
        bed.Add("y", [0.9f, 0.2f, 0, 0]);
        var chat = new FakeChatClient
        {
            ResponseCallback = (_, _, _) => Reply("dog"),
            ScoreCallback = (_, _, _) => Task.FromResult<IReadOnlyList<double>>([0.1, 0.9]),
        };

        AgentTurnResult r = await bed.Agent(Options(), chat).RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        Assert.True(r.NoMatch);
        Assert.Null(r.Pick);
        Assert.StartsWith("Nothing here matches well.", r.Answer);
        Assert.Contains("match probability 0.10", r.Answer);
    }

    [Fact]
    public async Task RunTurnAsync_NoLlmLowSimilarity_HonestNoMatch()
    {
        using var bed = new AgentTestBed();
        bed.Add("cat", [0, 1, 0, 0]);

        AgentTurnResult r = await bed.Agent(Options(o => o.MinRetrievalScore = 0.5)).RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        Assert.True(r.NoMatch);
        Assert.Contains("below what a match needs here", r.Answer);
    }

    [Fact]
    public async Task RunTurnAsync_CandidatesSplitInTwoGroups_AsksOneClarifyingQuestion()
    {
        using var bed = new AgentTestBed();
        for (int i = 0; i < 8; i++)
        {
            bed.Add($"beach{i}", [1, 0, 0.05f * i, 0], caption: "a dog on a beach");
            bed.Add($"snow{i}", [0.2f, 0, 0.05f * i, 1], caption: "a dog in the snow");
        }

        var chat = new FakeChatClient
        {
            ResponseCallback = (m, _, _) => Reply(Prompt(m).Contains("Question:") ? "Is the dog on a beach or in the snow" : "dog"),
            ScoreCallback = (_, _, _) => Task.FromResult<IReadOnlyList<double>>([0.9, 0.1]),
        };
        RetrievalAgent agent = bed.Agent(Options(o => o.Clarify = true), chat);
        var session = new SearchSession();

        AgentTurnResult r = await agent.RunTurnAsync(session, "dog", TestContext.Current.CancellationToken);

        Assert.Equal("Is the dog on a beach or in the snow?", r.ClarifyingQuestion);
        Assert.Null(r.Pick);
        string clarifyPrompt = Prompt(chat.Calls.Single(c => Prompt(c).Contains("Question:")));
        Assert.Contains("a dog on a beach", clarifyPrompt);
        Assert.Contains("a dog in the snow", clarifyPrompt);

        AgentTurnResult next = await agent.RunTurnAsync(session, "on the beach", TestContext.Current.CancellationToken);
        Assert.Null(next.ClarifyingQuestion);
        Assert.NotNull(next.Pick);
    }

    [Fact]
    public async Task RunTurnAsync_OneTightGroup_DoesNotAsk()
    {
        using var bed = new AgentTestBed();
        for (int i = 0; i < 12; i++)
        {
            bed.Add($"d{i}", [1, 0.01f * i, 0, 0]);
        }

        var chat = new FakeChatClient
        {
            ResponseCallback = (m, _, _) => Reply(Prompt(m).Contains("Question:") ? "Which one?" : "dog"),
            ScoreCallback = (_, _, _) => Task.FromResult<IReadOnlyList<double>>([0.9, 0.1]),
        };

        AgentTurnResult r = await bed.Agent(Options(o => o.Clarify = true), chat).RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        Assert.Null(r.ClarifyingQuestion);
        Assert.Contains("do not split clearly", r.Stages.Single(s => s.Stage == "clarify").Detail);
        Assert.DoesNotContain(chat.Calls, c => Prompt(c).Contains("Question:"));
    }

    [Fact]
    public async Task RunTurnAsync_Listwise_ModelsChoiceWins()
    {
        using var bed = new AgentTestBed();
        for (int i = 0; i < 6; i++)
        {
            bed.Add($"i{i}", [1, 0.1f * i, 0, 0]);
        }

        var chat = new FakeChatClient
        {
            ResponseCallback = (_, _, _) => Reply("dog"),
            ScoreCallback = (m, c, _) => Task.FromResult<IReadOnlyList<double>>(c.Count == 3 ? [0.05, 0.05, 0.9] : [.. c.Select(_ => 1.0 / c.Count)]),
        };

        AgentTurnResult r = await bed.Agent(Options(o => { o.RerankStrategy = "listwise"; o.ListwiseGroupSize = 3; o.RerankTopN = 3; }), chat)
            .RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        Assert.Equal("i2.png", Path.GetFileName(r.Pick!.Path));
        Assert.Contains("listwise", r.Stages.Single(s => s.Stage == "rerank").Detail);
        Assert.Equal(3, FakeChatClient.ImagesOf(chat.Calls.First(c => FakeChatClient.ImagesOf(c).Length > 0)).Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task RunTurnAsync_EmptyFirstMessage_ClearError(string message)
    {
        using var bed = new AgentTestBed();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => bed.Agent(Options()).RunTurnAsync(new SearchSession(), message, TestContext.Current.CancellationToken));

        Assert.Contains("Tell me what to look for", ex.Message);
    }

    [Fact]
    public async Task RunTurnAsync_OverLongMessage_ClearError()
    {
        using var bed = new AgentTestBed();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => bed.Agent(Options()).RunTurnAsync(new SearchSession(), new string('a', 3000), TestContext.Current.CancellationToken));

        Assert.Contains("limit is 2000", ex.Message);
    }
}
