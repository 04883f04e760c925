using AgentRetrieval.Agent;
using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Onnx.Generation;
using AgentRetrieval.Prompts;

namespace AgentRetrieval.Tests.Agent;

/// <summary>Whole turns with the real CLIP fixture, a real index of real photos and the tiny generating models.</summary>
public sealed class AgentEndToEndTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private ClipModel _clip = null!;
    private EmbeddedImageIndex _index = null!;

    public async ValueTask InitializeAsync()
    {
        _clip = ClipModel.Load(new ClipModelOptions { ModelDirectory = SharedFixtures.ClipTiny });
        _index = EmbeddedImageIndex.Open(_dir.Combine("index"));
        using var images = new ClipImageEmbeddingGenerator(_clip);
        var indexer = new FolderIndexer(images, _clip.Identity, _index, new IndexingOptions());
        await indexer.IndexAsync(Path.Combine(SharedFixtures.Data, "demo-gallery"), cancellationToken: TestContext.Current.CancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _index.Dispose();
        _clip.Dispose();
        _dir.Dispose();
        return ValueTask.CompletedTask;
    }

    private RetrievalAgent Agent(GenAIChatClient? chat, Action<AgentOptions>? change = null, AgentRetrieval.Reranking.ITextRelevance? small = null)
    {
        var options = new AgentOptions { RerankStrategy = "pointwise", RerankTopN = 2, Clarify = false, CalibrateNoMatch = false, MinRetrievalScore = -1, MinMatchProbability = 0, MaxOutputTokens = 8, ListwiseGroupSize = 2 };
        change?.Invoke(options);
        return new RetrievalAgent(new ClipTextEmbeddingGenerator(_clip), new ClipImageEmbeddingGenerator(_clip), _index, _clip.Identity,
            new FilePromptProvider(Path.Combine(SharedFixtures.RepositoryRoot, "prompts")), options, chat, textRelevance: small);
    }

    private static GenAIChatClient Llm(string name, int? context = null) =>
        new(new GenAIChatClientOptions { ModelDirectory = Path.Combine(SharedFixtures.GenAi, name), ContextLength = context, MaxLength = context ?? 4096 });

    [Fact]
    public async Task Pointwise_Phi3Vision_RerankedFromLogitsAndAnswerStreamed()
    {
        using GenAIChatClient llm = Llm("phi3v-tiny");
        var deltas = new List<string>();
        AgentTurnResult? result = null;

        await foreach (AgentUpdate u in Agent(llm).RunTurnStreamingAsync(new SearchSession(), "a cat sitting on a sofa", TestContext.Current.CancellationToken))
        {
            if (u is AnswerDelta d)
            {
                deltas.Add(d.Text);
            }
            else if (u is TurnCompleted done)
            {
                result = done.Result;
            }
        }

        Assert.NotNull(result);
        Assert.True(deltas.Count > 3, "the answer should arrive in pieces");
        Assert.Equal(result.Answer, string.Concat(deltas));
        StageReport rerank = result.Stages.Single(s => s.Stage == "rerank");
        Assert.True(rerank.Ran && !rerank.Degraded, rerank.Detail);
        Assert.Contains("P(Yes) from logits", rerank.Detail);
        Assert.Equal(2, result.Results.Count(r => r.LlmScore is not null));
        Assert.All(result.Results.Where(r => r.LlmScore is not null), r => Assert.Equal(r.RetrievalScore + r.LlmScore!.Value, r.FinalScore, 6));
        // The tiny model writes no valid JSON plan: only the rewrite falls back to the rules, and says so.
        Assert.All(result.Stages.Where(s => s.Stage != "rewrite"), s => Assert.False(s.Degraded, s.Detail));
        Assert.Contains("rules' plan", result.Stages.Single(s => s.Stage == "rewrite").Detail);
    }

    [Theory]
    [InlineData("phi3v-tiny")]
    [InlineData("qwen25vl-tiny")]
    public async Task Cascade_TinyModels_EveryCandidateOnTextThenTheBestAsImages(string model)
    {
        using GenAIChatClient llm = Llm(model);
        using var miniLm = new AgentRetrieval.Onnx.Relevance.MiniLmEmbeddingGenerator();
        AgentRetrieval.Reranking.ITextRelevance small = miniLm.AsTextRelevance();

        AgentTurnResult r = await Agent(llm, o => { o.RerankStrategy = "cascade"; o.RerankTopN = 3; }, small).RunTurnAsync(new SearchSession(), "a cat sitting on a sofa", TestContext.Current.CancellationToken);

        AgentRetrieval.Reranking.CascadeReport c = Assert.IsType<AgentRetrieval.Reranking.CascadeReport>(r.Cascade);
        Assert.Equal(r.CandidateCount, c.Candidates);
        Assert.Equal(c.Candidates, c.TextDepth);
        Assert.Equal(3, c.ImageDepth);
        Assert.StartsWith("llm", c.ImageJudge);
        Assert.Equal(3, r.AllRanked.Count(x => x.LlmScore is not null));
        Assert.All(r.AllRanked, x => Assert.NotNull(x.TextScore));
        Assert.False(r.Stages.Single(s => s.Stage == "rerank").Degraded, c.Describe());
    }

    [Fact]
    public async Task Cascade_ShrinkingTheBudget_ShrinksStageTwoNeverTheAnswer()
    {
        using GenAIChatClient llm = Llm("qwen25vl-tiny");
        using var miniLm = new AgentRetrieval.Onnx.Relevance.MiniLmEmbeddingGenerator();
        AgentRetrieval.Reranking.ITextRelevance small = miniLm.AsTextRelevance();
        var options = new AgentOptions();
        RetrievalAgent agent = Agent(llm, o => { o.RerankStrategy = "cascade"; o.RerankTopN = 4; options = o; }, small);

        AgentTurnResult wide = await agent.RunTurnAsync(new SearchSession(), "a rocket", TestContext.Current.CancellationToken);
        // The same agent has now measured what an image costs; a budget of about two of them leaves room for fewer.
        double each = wide.Cascade!.ImageSecondsPerCandidate!.Value;
        options.TurnBudget = TimeSpan.FromSeconds(Math.Max(0.2, each * 2));
        AgentTurnResult narrow = await agent.RunTurnAsync(new SearchSession(), "a rocket", TestContext.Current.CancellationToken);

        Assert.Equal(4, wide.Cascade.ImageDepth);
        Assert.True(narrow.Cascade!.ImageDepth < 4, narrow.Cascade.Describe());
        Assert.NotEqual("", narrow.Cascade.ImageNote);
        Assert.NotEmpty(narrow.Results);
        Assert.Contains("stage 2", narrow.Stages.Single(s => s.Stage == "rerank").Detail);
    }

    [Fact]
    public async Task Listwise_Qwen25VL_TwoImagesPerPrompt()
    {
        using GenAIChatClient llm = Llm("qwen25vl-tiny");

        AgentTurnResult r = await Agent(llm, o => o.RerankStrategy = "listwise").RunTurnAsync(new SearchSession(), "a rocket launch", TestContext.Current.CancellationToken);

        StageReport rerank = r.Stages.Single(s => s.Stage == "rerank");
        Assert.True(rerank.Ran && !rerank.Degraded, rerank.Detail);
        Assert.Contains("listwise: judged 2", rerank.Detail);
        Assert.Equal(1.0, r.Results.Where(x => x.LlmScore is not null).Sum(x => x.LlmScore!.Value), 6);
    }

    [Fact]
    public async Task ModelTimesOut_DegradedAnswerNotACrash()
    {
        using GenAIChatClient llm = Llm("phi3v-tiny");

        AgentTurnResult r = await Agent(llm, o => o.LlmCallTimeout = TimeSpan.FromMilliseconds(10)).RunTurnAsync(new SearchSession(), "a clock", TestContext.Current.CancellationToken);

        Assert.True(r.Degraded);
        Assert.Contains("timed out", string.Join(" ", r.Stages.Select(s => s.Detail)));
        Assert.NotEmpty(r.Results);
        Assert.Contains("DEGRADED", r.Answer);
    }

    [Fact]
    public async Task Cancelled_MidTurn_StopsAndTheNextTurnWorks()
    {
        using GenAIChatClient llm = Llm("phi3v-tiny");
        RetrievalAgent agent = Agent(llm);
        var session = new SearchSession();
        using var cts = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (AgentUpdate u in agent.RunTurnStreamingAsync(session, "coins on a table", cts.Token))
            {
                if (u is StageCompleted { Report.Stage: "retrieve" })
                {
                    await cts.CancelAsync();
                }
            }
        });

        AgentTurnResult next = await agent.RunTurnAsync(session, "coins", TestContext.Current.CancellationToken);
        Assert.NotEmpty(next.Results);
    }

    [Fact]
    public async Task NoLlm_SameSessionWorks_AndSaysWhichStagesRan()
    {
        AgentTurnResult r = await Agent(null).RunTurnAsync(new SearchSession(), "an astronaut", TestContext.Current.CancellationToken);

        Assert.Contains("no LLM configured", r.Answer);
        Assert.NotNull(r.Pick);
        Assert.Equal(Math.Min(128, _index.Count), r.CandidateCount);
    }
}
