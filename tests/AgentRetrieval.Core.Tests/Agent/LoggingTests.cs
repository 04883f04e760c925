using AgentRetrieval.Agent;
using AgentRetrieval.Indexing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace AgentRetrieval.Tests.Agent;

public sealed class LoggingTests
{
    [Fact]
    public async Task IndexAsync_BadFile_LogsSummaryAndSkippedFileAtTrace()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.Combine("p"));
        File.WriteAllBytes(dir.Combine("p", "a.png"), TestImages.Png(8, 8, 1));
        File.WriteAllBytes(dir.Combine("p", "empty.jpg"), []);
        var logger = new FakeLogger();
        var encoder = new FakeImageEmbeddingGenerator();
        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Combine("index"));

        await new FolderIndexer(encoder, encoder.Identity, index, new IndexingOptions(), logger: logger).IndexAsync(dir.Combine("p"), cancellationToken: TestContext.Current.CancellationToken);

        IReadOnlyList<FakeLogRecord> records = logger.Collector.GetSnapshot();
        Assert.Contains(records, r => r.Id.Id == 100 && r.Level == LogLevel.Information && r.Message.Contains("1 embedded", StringComparison.Ordinal));
        Assert.Contains(records, r => r.Id.Id == 101 && r.Level == LogLevel.Trace && r.Message.Contains("empty.jpg", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunTurnAsync_RerankFails_LogsDegradedStageAsWarning()
    {
        using var bed = new AgentTestBed();
        bed.Add("a", [1, 0, 0, 0]);
        var logger = new FakeLogger();
        var chat = new FakeChatClient
        {
            ResponseCallback = (_, _, _) => Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"visual_query": "dog"}"""))),
            ScoreCallback = (_, _, _) => throw new InvalidOperationException("device lost"),
        };
        var agent = new RetrievalAgent(bed.Text, null, bed.Index, AgentTestBed.Model, bed.Prompts,
            new AgentOptions { Clarify = false, CalibrateNoMatch = false, MinRetrievalScore = 0 }, chat, logger: logger);

        await agent.RunTurnAsync(new SearchSession(), "dog", TestContext.Current.CancellationToken);

        FakeLogRecord warning = Assert.Single(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Equal(201, warning.Id.Id);
        Assert.Contains("rerank", warning.Message, StringComparison.Ordinal);
    }
}
