using AgentRetrieval.Agent;
using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Offline;
using AgentRetrieval.Prompts;

namespace AgentRetrieval.Tests.Search;

/// <summary>
/// The honest "nothing matches" with a model whose similarities are not calibrated: the offline default scores a
/// meaningless request at about 0.4, far above the fixed 0.18 threshold, so without the per-index calibration a keyboard
/// mash "found" a photo.
/// </summary>
public sealed class NoMatchCalibrationTests
{
    [Fact]
    public async Task OfflineDefault_MeaninglessRequest_NothingMatchesButARealOneDoes()
    {
        using var dir = new TempDirectory();
        using OfflineDefaultModel model = OfflineDefaultModel.Load(Path.Combine(SharedFixtures.RepositoryRoot, "models", "offline-default", "bridge.bin"));
        using var images = new OfflineImageEmbeddingGenerator(model);
        using var text = new OfflineTextEmbeddingGenerator(model);
        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Combine("index"));
        await new FolderIndexer(images, model.Identity, index, new IndexingOptions()).IndexAsync(Path.Combine(SharedFixtures.Data, "coco-mini", "images"), cancellationToken: TestContext.Current.CancellationToken);
        var agent = new RetrievalAgent(text, images, index, model.Identity, new FilePromptProvider(Path.Combine(SharedFixtures.RepositoryRoot, "prompts")), new AgentOptions());

        // Not one of the calibration's own requests.
        AgentTurnResult mash = await agent.RunTurnAsync(new SearchSession(), "hjkl uiop wertz", TestContext.Current.CancellationToken);
        AgentTurnResult cake = await agent.RunTurnAsync(new SearchSession(), "people sitting around a table with a birthday cake", TestContext.Current.CancellationToken);

        Assert.True(mash.NoMatch, mash.Answer);
        Assert.True(mash.Results[0].RetrievalScore > new AgentOptions().MinRetrievalScore, "the fixed threshold alone would have called this a match");
        Assert.False(cake.NoMatch, cake.Answer);
        TestContext.Current.TestOutputHelper?.WriteLine($"offline default: meaningless request best {mash.Results[0].RetrievalScore:0.000}, real request best {cake.Results[0].RetrievalScore:0.000}");
    }
}
