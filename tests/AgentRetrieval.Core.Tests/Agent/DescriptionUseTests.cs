using AgentRetrieval.Agent;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests.Agent;

/// <summary>Descriptions written at index time stand in for captions: the clarifying question splits the candidates by them.</summary>
public sealed class DescriptionUseTests
{
    [Fact]
    public async Task Clarify_DescribedCandidates_QuestionBuiltFromTheirDescriptionsWithoutCaptionCalls()
    {
        using var bed = new AgentTestBed();
        for (int i = 0; i < 8; i++)
        {
            bed.Add($"red{i}", [1, 0.02f * i, 0, 0]);
            bed.Add($"blue{i}", [0.2f, 1, 0.02f * i, 0]);
            bed.Index.SetDescription($"hash-red{i}", "test:describer", "{}", $"a red car parked by a wall\ncar");
            bed.Index.SetDescription($"hash-blue{i}", "test:describer", "{}", $"a blue car on a bridge\ncar");
        }

        var prompts = new List<string>();
        using var llm = new FakeChatClient
        {
            ResponseCallback = (m, _, _) =>
            {
                string text = string.Join("\n", m.Select(x => x.Text));
                lock (prompts)
                {
                    prompts.Add(text);
                }

                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, text.Contains("JSON plan:", StringComparison.Ordinal) ? """{"visual_query": "dog"}""" : "The red one or the blue one?")));
            },
        };
        var options = new AgentOptions { RerankStrategy = "none", CalibrateNoMatch = false, MinRetrievalScore = -1, ClarifySeparation = 0.1 };

        AgentTurnResult r = await bed.Agent(options, llm).RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        Assert.Equal("The red one or the blue one?", r.ClarifyingQuestion);
        string clarify = Assert.Single(prompts, p => p.Contains("a red car parked by a wall", StringComparison.Ordinal));
        Assert.Contains("a blue car on a bridge", clarify);
        Assert.DoesNotContain(prompts, p => p.Contains("Caption this image", StringComparison.Ordinal));
    }
}
