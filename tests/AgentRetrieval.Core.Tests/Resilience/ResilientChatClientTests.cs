using AgentRetrieval.Agent;
using AgentRetrieval.Resilience;
using Microsoft.Extensions.AI;
using Polly;

namespace AgentRetrieval.Tests.Resilience;

public sealed class ResilientChatClientTests
{
    private static ResiliencePipeline Pipeline() => LlmResilience.CreatePipeline(new AgentOptions { LlmCallTimeout = TimeSpan.FromSeconds(5) });

    [Fact]
    public async Task GetStreamingResponseAsync_FailureAfterFirstUpdate_IsNotRetried()
    {
        int calls = 0;
        var inner = new FakeChatClient { StreamingCallback = (_, _, _) => { calls++; return FailMidStream(); } };
        var client = new ResilientChatClient(inner, Pipeline());

        await Assert.ThrowsAsync<HttpRequestException>(async () =>
        {
            await foreach (ChatResponseUpdate _ in client.GetStreamingResponseAsync("hi", cancellationToken: TestContext.Current.CancellationToken))
            {
            }
        });
        Assert.Equal(1, calls);

        static async IAsyncEnumerable<ChatResponseUpdate> FailMidStream()
        {
            yield return new(ChatRole.Assistant, "partial");
            await Task.Yield();
            throw new HttpRequestException("connection reset");
        }
    }

    [Fact]
    public async Task GetStreamingResponseAsync_TransientFailureBeforeFirstUpdate_IsRetried()
    {
        int calls = 0;
        var inner = new FakeChatClient { StreamingCallback = (_, _, _) => ++calls == 1 ? FailAtOnce() : Words() };
        var client = new ResilientChatClient(inner, Pipeline());

        var text = new List<string>();
        await foreach (ChatResponseUpdate u in client.GetStreamingResponseAsync("hi", cancellationToken: TestContext.Current.CancellationToken))
        {
            text.Add(u.Text);
        }

        Assert.Equal(2, calls);
        Assert.Equal(["a", "b"], text);

        static async IAsyncEnumerable<ChatResponseUpdate> FailAtOnce()
        {
            await Task.Yield();
            throw new HttpRequestException("503");
#pragma warning disable CS0162 // an iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }

        static async IAsyncEnumerable<ChatResponseUpdate> Words()
        {
            await Task.Yield();
            yield return new(ChatRole.Assistant, "a");
            yield return new(ChatRole.Assistant, "b");
        }
    }

    [Fact]
    public async Task GetResponseAsync_NonTransientFailure_IsNotRetried()
    {
        int calls = 0;
        var inner = new FakeChatClient { ResponseCallback = (_, _, _) => { calls++; throw new InvalidOperationException("bad prompt"); } };
        var client = new ResilientChatClient(inner, Pipeline());

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync("hi", cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(1, calls);
    }
}
