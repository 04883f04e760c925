using AgentRetrieval.Evaluation;

namespace AgentRetrieval.Tests.Evaluation;

/// <summary>Every metric against rankings computed by hand.</summary>
public sealed class RetrievalMetricsTests
{
    [Fact]
    public void Evaluate_ThreeQueries_HandComputedRecallMedianAndMap()
    {
        double[][] s =
        [
            [0.9, 0.1, 0.2, 0.3], // relevant 0 → rank 1, AP 1
            [0.8, 0.5, 0.7, 0.1], // relevant 1 → order 0,2,1 → rank 3, AP 1/3
            [0.1, 0.2, 0.3, 0.4], // relevant 2 → order 3,2 → rank 2, AP 1/2
        ];

        RetrievalScores r = RetrievalMetrics.Evaluate(3, 4, (q, c) => s[q][c], (q, c) => q == c);

        Assert.Equal(100.0 / 3, r.RecallAt1, 6);
        Assert.Equal(100.0, r.RecallAt5, 6);
        Assert.Equal(100.0, r.RecallAt10, 6);
        Assert.Equal(2.0, r.MedianRank);
        Assert.Equal(100.0 * (1 + (1.0 / 3) + 0.5) / 3, r.MeanAveragePrecision, 6);
    }

    [Fact]
    public void RankAndAveragePrecision_TwoRelevant_AveragesPrecisionAtEach()
    {
        // ranking a b c d e, relevant b and d: precision 1/2 at b and 2/4 at d.
        (int first, double ap) = RetrievalMetrics.RankAndAveragePrecision([0, 1, 2, 3, 4], c => c is 1 or 3);

        Assert.Equal(2, first);
        Assert.Equal(0.5, ap, 9);
    }

    [Fact]
    public void RankAndAveragePrecision_NothingRelevant_RankBeyondListAndZeroAp()
    {
        (int first, double ap) = RetrievalMetrics.RankAndAveragePrecision([0, 1, 2], _ => false);

        Assert.Equal(4, first);
        Assert.Equal(0, ap);
    }

    [Fact]
    public void Evaluate_TiedScores_LowerIndexFirst()
    {
        RetrievalScores r = RetrievalMetrics.Evaluate(1, 3, (_, _) => 0.5, (_, c) => c == 2);

        Assert.Equal(3.0, r.MedianRank);
        Assert.Equal(100.0 / 3, r.MeanAveragePrecision, 6);
    }

    [Fact]
    public void Summarise_EvenCount_MedianIsMeanOfMiddleRanks()
    {
        RetrievalScores r = RetrievalMetrics.Summarise([1, 4, 12, 2], 0.25);

        Assert.Equal(3.0, r.MedianRank);
        Assert.Equal(25.0, r.RecallAt1);
        Assert.Equal(75.0, r.RecallAt5);
        Assert.Equal(75.0, r.RecallAt10);
        Assert.Equal(25.0, r.MeanAveragePrecision);
    }

    [Fact]
    public void Load_CocoMini_HasTrainAndDevWithFiveCaptions()
    {
        EvalDataset d = EvalDataset.Load(Path.Combine(SharedFixtures.Data, "coco-mini"));

        Assert.Equal(20, d.Split("dev").Count);
        Assert.Equal(20, d.Split("val").Count);
        Assert.Equal(60, d.Split("train").Count);
        Assert.All(d.Split("dev"), i => Assert.Equal(5, i.Captions.Count));
        Assert.All(d.Split("dev"), i => Assert.True(File.Exists(i.Path), i.Path));
    }

    [Fact]
    public void Load_KarpathyFile_ReadsSentencesAndSplits()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.Combine("dataset_flickr8k.json"), """
            {"images":[{"filename":"a.jpg","split":"test","sentences":[{"raw":"a dog"},{"raw":"a brown dog"}]},
                       {"filename":"b.jpg","split":"restval","sentences":[{"raw":"a cat"}]}]}
            """);

        EvalDataset d = EvalDataset.Load(dir.Combine("dataset_flickr8k.json"), dir.Path);

        Assert.Equal(["a dog", "a brown dog"], d.Split("test")[0].Captions);
        Assert.Equal(dir.Combine("a.jpg"), d.Split("test")[0].Path);
        Assert.Single(d.Split("train"));
    }
}
