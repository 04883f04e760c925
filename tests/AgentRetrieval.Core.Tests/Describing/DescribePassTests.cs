using AgentRetrieval.Agent;
using AgentRetrieval.Describing;
using AgentRetrieval.Indexing;
using AgentRetrieval.Tests.Agent;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests.Describing;

/// <summary>The describing pass over a real index with a scripted LLM: validation and retry, order, resuming, search.</summary>
public sealed class DescribePassTests
{
    private static readonly AgentOptions s_options = new() { LlmCallTimeout = TimeSpan.FromSeconds(10) };

    private static AgentTestBed Bed()
    {
        var bed = new AgentTestBed();
        bed.Add("old", [1, 0, 0, 0]);
        bed.Add("mid", [0, 1, 0, 0]);
        bed.Add("new", [0, 0, 1, 0]);
        // Dates: "new" is the most recent, "old" the oldest.
        bed.Index.UpdateMetadata("hash-old", new AgentRetrieval.Metadata.PhotoMetadata(new DateTime(2015, 1, 1), null, null, null, null, null, null), null);
        bed.Index.UpdateMetadata("hash-mid", new AgentRetrieval.Metadata.PhotoMetadata(new DateTime(2019, 1, 1), null, null, null, null, null, null), null);
        bed.Index.UpdateMetadata("hash-new", new AgentRetrieval.Metadata.PhotoMetadata(new DateTime(2024, 1, 1), null, null, null, null, null, null), null);
        return bed;
    }

    private static FakeChatClient Model(Func<int, string> answer, List<int>? calls = null)
    {
        int n = 0;
        return new FakeChatClient
        {
            ResponseCallback = (messages, options, _) =>
            {
                int call = Interlocked.Increment(ref n);
                calls?.Add(messages.Count);
                Assert.NotNull(messages.SelectMany(m => m.Contents).OfType<DataContent>().FirstOrDefault());
                return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer(call))));
            },
        };
    }

    [Fact]
    public async Task RunAsync_ValidRecords_StoredMostRecentFirstAndSearchable()
    {
        using AgentTestBed bed = Bed();
        var order = new List<string>();
        int i = 0;
        string[] words = ["lighthouse", "waterfall", "carousel"];
        using FakeChatClient llm = Model(_ => $$"""{"description": "a {{words[i++]}} at dusk", "objects": ["sky"], "visible_text": [], "tags": ["dusk"]}""");
        var pass = new DescribePass(llm, bed.Index, bed.Prompts, s_options);

        DescribePassReport report = await pass.RunAsync(new InlineProgress<IndexProgress>(p => { if (p.Current is { } c) { order.Add(Path.GetFileNameWithoutExtension(c)); } }), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, report.Described);
        Assert.Equal(3, report.Structured);
        Assert.Equal(0, report.Remaining);
        Assert.Equal(["new", "mid", "old"], order);
        (string model, string record, string text) = bed.Index.GetDescriptionRecord(bed.Ids["new"])!.Value;
        Assert.Equal(pass.Model, model);
        Assert.Equal("a lighthouse at dusk", DescriptionRecord.FromStored(record).Description);
        Assert.StartsWith("a lighthouse at dusk", text);
        // The full-text index finds a photo by its description.
        Assert.Equal(bed.Ids["mid"], Assert.Single(bed.Index.TextSearch("waterfall", false, null, 10)).Id);
        Assert.Equal(3, bed.Index.DescribedCount(pass.Model));
    }

    [Fact]
    public async Task RunAsync_InvalidThenValid_RetriesOnceWithTheReason()
    {
        using AgentTestBed bed = Bed();
        var calls = new List<int>();
        using FakeChatClient llm = Model(call => call % 2 == 1 ? "a photo of something" : """{"description": "a dog on a beach"}""", calls);

        DescribePassReport report = await new DescribePass(llm, bed.Index, bed.Prompts, s_options).RunAsync(limit: 1, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, report.Structured);
        Assert.Equal(2, calls.Count);
        // The retry carries the first answer and what was wrong with it.
        Assert.Equal(calls[0] + 2, calls[1]);
        Assert.Contains("no JSON object", llm.Calls[1][^1].Text);
    }

    [Fact]
    public async Task RunAsync_InvalidTwice_KeptAsPlainDescription()
    {
        using AgentTestBed bed = Bed();
        using FakeChatClient llm = Model(_ => "A cat asleep on a red chair.");

        DescribePassReport report = await new DescribePass(llm, bed.Index, bed.Prompts, s_options).RunAsync(limit: 1, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, report.Described);
        Assert.Equal(0, report.Structured);
        DescriptionRecord stored = DescriptionRecord.FromStored(bed.Index.GetDescriptionRecord(bed.Ids["new"])!.Value.Record);
        Assert.False(stored.Structured);
        Assert.Equal("A cat asleep on a red chair.", stored.Description);
    }

    [Fact]
    public async Task RunAsync_StoppedMidway_NextRunDescribesOnlyTheRest()
    {
        using AgentTestBed bed = Bed();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        int described = 0;
        using FakeChatClient llm = Model(_ => """{"description": "a photo"}""");
        var pass = new DescribePass(llm, bed.Index, bed.Prompts, s_options);

        DescribePassReport first = await pass.RunAsync(new InlineProgress<IndexProgress>(p =>
        {
            if (p.Current is not null && ++described == 1)
            {
                cts.Cancel();
            }
        }), cancellationToken: cts.Token);
        int callsAfterFirst = llm.Calls.Count;
        DescribePassReport second = await pass.RunAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, first.Described);
        Assert.Equal("cancelled", first.StoppedBy);
        Assert.Equal(2, first.Remaining);
        Assert.Equal(2, second.Described);
        Assert.Equal(0, second.Remaining);
        Assert.Equal(callsAfterFirst + 2, llm.Calls.Count);
    }

    [Fact]
    public async Task RunAsync_ModelFails_StopsKeepsWhatWasStoredAndSaysWhy()
    {
        using AgentTestBed bed = Bed();
        int n = 0;
        using var llm = new FakeChatClient
        {
            ResponseCallback = (_, _, _) => Interlocked.Increment(ref n) == 1
                ? Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, """{"description": "a photo"}""")))
                : throw new NotSupportedException("the runtime cannot run this model"),
        };

        DescribePassReport report = await new DescribePass(llm, bed.Index, bed.Prompts, s_options).RunAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, report.Described);
        Assert.StartsWith("the model failed", report.StoppedBy);
        Assert.Equal(2, report.Remaining);
    }

    [Fact]
    public async Task RunAsync_UnreadableImage_ReportedAndTheRestDescribed()
    {
        using AgentTestBed bed = Bed();
        File.WriteAllBytes(bed.Index.ListImages().Single(i => i.Id == bed.Ids["mid"]).Path, [1, 2, 3]);
        using FakeChatClient llm = Model(_ => """{"description": "a photo"}""");

        DescribePassReport report = await new DescribePass(llm, bed.Index, bed.Prompts, s_options).RunAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(2, report.Described);
        Assert.Contains("mid", Assert.Single(report.Failed).Path);
    }
}

/// <summary>Reports inline, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
