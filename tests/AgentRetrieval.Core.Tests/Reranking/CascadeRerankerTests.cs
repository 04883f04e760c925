using AgentRetrieval.Agent;
using AgentRetrieval.Reranking;
using AgentRetrieval.Tests.Agent;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests.Reranking;

/// <summary>The cascade through the real agent and a real index: which judge runs, how deep each stage goes, how it fuses and degrades.</summary>
public sealed class CascadeRerankerTests
{
    private static AgentOptions Options(TimeSpan? budget = null, string textJudge = "auto") => new()
    {
        RerankStrategy = "cascade",
        TextJudge = textJudge,
        Clarify = false,
        CalibrateNoMatch = false,
        MinRetrievalScore = -1,
        TurnBudget = budget ?? TimeSpan.FromSeconds(60),
        RerankTopN = 4,
    };

    /// <summary>Twelve dog photos a little apart; two with descriptions.</summary>
    private static AgentTestBed Bed(int count = 12)
    {
        var bed = new AgentTestBed();
        for (int i = 0; i < count; i++)
        {
            bed.Add($"dog{i:00}", [1, 0.05f * i, 0, 0]);
        }

        bed.Index.SetDescription("hash-dog05", "test:describer", "{}", "a brown dog running through deep snow");
        bed.Index.SetDescription("hash-dog07", "test:describer", "{}", "a black dog asleep on a sofa");
        return bed;
    }

    /// <summary>P(yes) from a callback on the prompt; images are judged with their image part present.</summary>
    private static FakeChatClient Llm(Func<bool, string, double> yes, TimeSpan? imageDelay = null, TimeSpan? textDelay = null, List<string>? log = null) => new()
    {
        ResponseCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "It fits."))),
        ScoreCallback = async (messages, _, ct) =>
        {
            bool image = messages.SelectMany(m => m.Contents).OfType<DataContent>().Any();
            string prompt = string.Join("\n", messages.Select(m => m.Text));
            lock (log ?? [])
            {
                log?.Add(image ? "image" : "text");
            }

            await Task.Delay((image ? imageDelay : textDelay) ?? TimeSpan.Zero, ct);
            double p = yes(image, prompt);
            return [p, 1 - p];
        },
    };

    [Fact]
    public async Task Turn_FastLlm_JudgesEveryCandidateOnTextThenTopNAsImages()
    {
        using AgentTestBed bed = Bed();
        var log = new List<string>();
        using FakeChatClient llm = Llm((image, prompt) => prompt.Contains("deep snow", StringComparison.Ordinal) ? 0.95 : 0.2, log: log);
        RetrievalAgent agent = bed.Agent(Options(), llm);

        AgentTurnResult r = await agent.RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        CascadeReport c = Assert.IsType<CascadeReport>(r.Cascade);
        Assert.Equal(12, c.Candidates);
        Assert.Equal(12, c.TextDepth);
        Assert.StartsWith("llm", c.TextJudge);
        Assert.Equal(4, c.ImageDepth);
        Assert.Equal(2, c.Described);
        Assert.Equal(12, log.Count(x => x == "text"));
        Assert.Equal(4, log.Count(x => x == "image"));
        // Stage 2 looked at undescribed candidates first; the described snow photo the text judge liked, which the
        // model did not need to see, comes first over the ones it saw and rejected.
        Assert.Equal(bed.Ids["dog05"], r.Results[0].Id);
        Assert.Equal(0.95, r.Results[0].TextScore);
        Assert.Null(r.Results[0].LlmScore);
        Assert.All(r.AllRanked.Where(x => x.LlmScore is not null), x => Assert.NotEqual(bed.Ids["dog05"], x.Id));
        Assert.Contains("stage 1", r.Stages.Single(s => s.Stage == "rerank").Detail);
    }

    [Fact]
    public async Task Turn_ShrinkingTheBudget_ShrinksStageTwoAndSaysSo()
    {
        using AgentTestBed bed = Bed();
        using FakeChatClient llm = Llm((_, _) => 0.7, imageDelay: TimeSpan.FromMilliseconds(150));
        AgentTurnResult wide = await bed.Agent(Options(TimeSpan.FromSeconds(30)), llm).RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);
        AgentTurnResult narrow = await bed.Agent(Options(TimeSpan.FromMilliseconds(400)), llm).RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        Assert.Equal(4, wide.Cascade!.ImageDepth);
        Assert.True(narrow.Cascade!.ImageDepth < wide.Cascade.ImageDepth, narrow.Cascade.Describe());
        Assert.NotEmpty(narrow.Cascade.ImageNote);
        Assert.True(narrow.Stages.Single(s => s.Stage == "rerank").Degraded);
        // The answer stays honest: ten results, and the stage-1 text judgments still ordered them.
        Assert.Equal(10, narrow.Results.Count);
        Assert.Equal(12, narrow.Cascade.TextDepth);
    }

    [Fact]
    public async Task Turn_BudgetRunsOutInBothStages_ReportedAsCutShortNotAFailure()
    {
        using AgentTestBed bed = Bed();
        using FakeChatClient llm = Llm((_, _) => 0.9, imageDelay: TimeSpan.FromSeconds(5), textDelay: TimeSpan.FromSeconds(5));

        AgentTurnResult r = await bed.Agent(Options(TimeSpan.FromMilliseconds(300), textJudge: "llm"), llm).RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        CascadeReport c = Assert.IsType<CascadeReport>(r.Cascade);
        Assert.Equal(0, c.TextDepth);
        Assert.Equal(0, c.ImageDepth);
        Assert.Contains("share of the budget", c.TextNote);
        Assert.Contains("budget", c.ImageNote);
        StageReport rerank = r.Stages.Single(s => s.Stage == "rerank");
        Assert.True(rerank.Degraded);
        Assert.DoesNotContain("failed", rerank.Detail);
        Assert.Equal(10, r.Results.Count);
    }

    [Fact]
    public async Task Turn_SlowLlmText_SmallJudgeTakesStageOne()
    {
        using AgentTestBed bed = Bed();
        var small = new FakeTextRelevance("small judge", multilingual: false, (q, p) => p.Contains("snow", StringComparison.Ordinal) ? 0.9 : 0.1);
        using FakeChatClient llm = Llm((_, _) => 0.5, textDelay: TimeSpan.FromMilliseconds(300));
        AgentOptions options = Options(TimeSpan.FromSeconds(4));

        AgentTurnResult r = await bed.Agent(options, llm, textRelevance: small).RunTurnAsync(new SearchSession(), "dog in snow", TestContext.Current.CancellationToken);

        // One LLM judgment measured 0.3 s: 12 would take 3.6 s, more than a quarter of 4 s, so the small judge did them all.
        Assert.Equal("small judge", r.Cascade!.TextJudge);
        Assert.Equal(12, r.Cascade.TextDepth);
        Assert.Contains("does not fit", r.Cascade.TextNote);
        Assert.Equal(1, small.Calls);
    }

    [Fact]
    public async Task Turn_RequestNotInEnglish_NeverLeftToTheEnglishOnlyJudge()
    {
        using AgentTestBed bed = Bed();
        bed.Text.Vectors["chien dans la neige"] = [1, 0, 0, 0];
        var english = new FakeTextRelevance("english judge", multilingual: false, (_, _) => 0.5);
        var multilingual = new FakeTextRelevance("multilingual tower", multilingual: true, (_, p) => p.Contains("snow", StringComparison.Ordinal) ? 0.9 : 0.1);
        AgentOptions options = Options();
        options.TextJudge = "small";
        using FakeChatClient llm = Llm((_, _) => 0.5);

        AgentTurnResult withTower = await bed.Agent(options, llm, textRelevance: english, multilingual: multilingual).RunTurnAsync(new SearchSession(), "chien dans la neige", TestContext.Current.CancellationToken);
        AgentTurnResult without = await bed.Agent(options, llm, textRelevance: english).RunTurnAsync(new SearchSession(), "chien dans la neige", TestContext.Current.CancellationToken);

        Assert.Equal("multilingual tower", withTower.Cascade!.TextJudge);
        Assert.Equal(0, english.Calls);
        Assert.Equal("none", without.Cascade!.TextJudge);
        Assert.Contains("not in English", without.Cascade.TextNote);
        Assert.Equal(0, english.Calls);
    }

    [Fact]
    public async Task Turn_StageTwoFails_KeepsStageOneOrderAndReportsIt()
    {
        using AgentTestBed bed = Bed();
        using var llm = new FakeChatClient
        {
            ResponseCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))),
            ScoreCallback = (messages, _, _) => messages.SelectMany(m => m.Contents).OfType<DataContent>().Any()
                ? throw new InvalidOperationException("the model crashed")
                : Task.FromResult<IReadOnlyList<double>>(string.Join("\n", messages.Select(m => m.Text)).Contains("sofa", StringComparison.Ordinal) ? [0.99, 0.01] : [0.1, 0.9]),
        };

        AgentTurnResult r = await bed.Agent(Options(), llm).RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        Assert.Equal(0, r.Cascade!.ImageDepth);
        Assert.Contains("crashed", r.Cascade.ImageNote);
        Assert.True(r.Degraded);
        // Stage 1's judgment decides the order: the sofa photo the text judge liked is first.
        Assert.Equal(bed.Ids["dog07"], r.Results[0].Id);
        Assert.All(r.Results, x => Assert.Null(x.LlmScore));
    }

    [Fact]
    public async Task Turn_StageTwoRejectsEverySeenImage_UnseenOnesComeFirst()
    {
        using AgentTestBed bed = Bed();
        using FakeChatClient llm = Llm((image, _) => image ? 0.01 : 0.5);

        AgentTurnResult r = await bed.Agent(Options(), llm).RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        Assert.Equal(4, r.Cascade!.ImageDepth);
        // The four the model saw and rejected sink below the eight it did not see.
        Assert.All(r.Results.Take(8), x => Assert.Null(x.LlmScore));
        Assert.All(r.AllRanked.Skip(8), x => Assert.NotNull(x.LlmScore));
    }

    [Fact]
    public void Normalise_Similarities_MinMaxAcrossCandidatesUnjudgedInTheMiddle()
    {
        double[] n = CascadeReranker.Normalise([0.2, null, 0.6, 0.4], probabilities: false);

        Assert.Equal([0.0, 0.5, 1.0, 0.5], [.. n.Select(x => Math.Round(x, 9))]);
        Assert.Equal([0.3, 0.8], CascadeReranker.Normalise([0.3, 0.8], probabilities: true));
    }

    private sealed class FakeTextRelevance(string name, bool multilingual, Func<string, string, double> score) : ITextRelevance
    {
        public int Calls { get; private set; }

        public string Name => name;

        public bool Multilingual => multilingual;

        public Task<IReadOnlyList<double>> ScoreAsync(string request, IReadOnlyList<string> passages, CancellationToken cancellationToken = default)
        {
            Calls++;
            return Task.FromResult<IReadOnlyList<double>>([.. passages.Select(p => score(request, p))]);
        }
    }
}
