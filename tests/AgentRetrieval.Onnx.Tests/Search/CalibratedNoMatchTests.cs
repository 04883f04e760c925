using AgentRetrieval.Agent;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Prompts;

namespace AgentRetrieval.Tests.Search;

/// <summary>
/// A SigLIP model with its scale and bias recorded: the honest "nothing matches" follows the model's own match
/// probability, not the threshold learned from meaningless requests.
/// </summary>
public sealed class CalibratedNoMatchTests
{
    [Theory]
    [InlineData(0.5, true)]
    [InlineData(1e-6, false)]
    public async Task Siglip_NoMatchFollowsTheCalibratedProbability(double minProbability, bool expectNoMatch)
    {
        using var dir = new TempDirectory();
        // The fixture's own scale and bias (10, -10): its random weights give every pair a probability near 1e-4.
        using ClipModel model = ClipModel.Load(new ClipModelOptions { ModelDirectory = SharedFixtures.SiglipTiny, LogitScale = 10, LogitBias = -10 });
        using var images = new ClipImageEmbeddingGenerator(model);
        using var text = new ClipTextEmbeddingGenerator(model);
        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Combine("index"));
        await new FolderIndexer(images, model.Identity, index, new IndexingOptions()).IndexAsync(Path.Combine(SharedFixtures.ClipTiny, "images"), cancellationToken: TestContext.Current.CancellationToken);
        var options = new AgentOptions { MinCalibratedProbability = minProbability };
        var agent = new RetrievalAgent(text, images, index, model.Identity, new FilePromptProvider(Path.Combine(SharedFixtures.RepositoryRoot, "prompts")), options);

        AgentTurnResult turn = await agent.RunTurnAsync(new SearchSession(), "a photo of a dog", TestContext.Current.CancellationToken);

        double p = ((ScoreCalibration)text.GetService(typeof(ScoreCalibration))!).Probability(turn.Results[0].RetrievalScore);
        Assert.Equal(p < minProbability, turn.NoMatch);
        Assert.Equal(expectNoMatch, turn.NoMatch);
        if (turn.NoMatch)
        {
            Assert.Contains("the model's own match probability reaches", turn.Answer, StringComparison.Ordinal);
        }
    }
}
