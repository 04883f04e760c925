using System.Numerics.Tensors;
using AgentRetrieval.Evaluation;
using AgentRetrieval.Onnx.Offline;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests.Offline;

/// <summary>The offline default: NuGet-shipped ResNet-18 and MiniLM joined by the bridge learned on coco-mini/train.</summary>
public sealed class OfflineDefaultModelTests
{
    private static string BridgePath => Path.Combine(SharedFixtures.RepositoryRoot, "models", "offline-default", "bridge.bin");

    [Fact]
    public async Task Encoders_GiveUnitVectorsInOneSpace_WithIdentity()
    {
        using OfflineDefaultModel model = OfflineDefaultModel.Load(BridgePath);
        using var text = new OfflineTextEmbeddingGenerator(model);
        using var images = new OfflineImageEmbeddingGenerator(model);

        GeneratedEmbeddings<Embedding<float>> t = await text.GenerateAsync(["a dog", "a red bus"], cancellationToken: TestContext.Current.CancellationToken);
        GeneratedEmbeddings<Embedding<float>> i = await images.GenerateAsync(
            [new DataContent(File.ReadAllBytes(Path.Combine(SharedFixtures.ClipTiny, "images", "australia.jpg")), "image/jpeg")], cancellationToken: TestContext.Current.CancellationToken);

        Assert.All(t.Concat(i), e => Assert.Equal(1.0, TensorPrimitives.Norm(e.Vector.Span), 4));
        Assert.All(t.Concat(i), e => Assert.Equal(OfflineDefaultModel.ImageDimensions, e.Vector.Length));
        Assert.Equal(OfflineDefaultModel.Name, model.Identity.Name);
        Assert.Contains("bridge.bin", model.Identity.FileHashes.Keys);
    }

    [Fact]
    public async Task DevSplit_TextFindsItsImage_FarAboveChance()
    {
        // The bridge was fitted on the train split only; the dev split is unseen. Chance R@5 among 20 images is 25%.
        using OfflineDefaultModel model = OfflineDefaultModel.Load(BridgePath);
        using var text = new OfflineTextEmbeddingGenerator(model);
        using var images = new OfflineImageEmbeddingGenerator(model);
        IReadOnlyList<EvalItem> dev = EvalDataset.Load(Path.Combine(SharedFixtures.Data, "coco-mini")).Split("dev");
        GeneratedEmbeddings<Embedding<float>> iv = await images.GenerateAsync(dev.Select(d => new DataContent(File.ReadAllBytes(d.Path), "image/jpeg")), cancellationToken: TestContext.Current.CancellationToken);
        GeneratedEmbeddings<Embedding<float>> tv = await text.GenerateAsync(dev.Select(d => d.Captions[0]), cancellationToken: TestContext.Current.CancellationToken);

        RetrievalScores s = RetrievalMetrics.Evaluate(dev.Count, dev.Count, (q, c) => TensorPrimitives.Dot(tv[q].Vector.Span, iv[c].Vector.Span), (q, c) => q == c);

        Assert.True(s.RecallAt5 >= 50, $"R@5 {s.RecallAt5}");
    }

    [Fact]
    public void Load_MissingBridge_SaysHowToTrainIt()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => OfflineDefaultModel.Load("/nonexistent/bridge.bin"));

        Assert.Contains("models train-offline", ex.Message);
    }
}
