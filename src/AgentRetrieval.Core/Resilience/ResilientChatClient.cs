using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Polly;

namespace AgentRetrieval.Resilience;

/// <summary>
/// Runs every call of the inner client through a Polly pipeline (timeout, retry of transient failures, circuit breaker).
/// A streaming call is retried only until its first update reaches the caller.
/// </summary>
public sealed class ResilientChatClient(IChatClient inner, ResiliencePipeline pipeline) : DelegatingChatClient(inner)
{
    /// <inheritdoc/>
    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        pipeline.ExecuteAsync(ct => new ValueTask<ChatResponse>(InnerClient.GetResponseAsync(messages, options, ct)), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Polly recycles its token when the callback returns, so the stream is bound to a CTS we own.
        var (e, cts, hasFirst) = await pipeline.ExecuteAsync(async ct =>
        {
            var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            IAsyncEnumerator<ChatResponseUpdate> e = InnerClient.GetStreamingResponseAsync(messages, options, cts.Token).GetAsyncEnumerator(cts.Token);
            try
            {
                using (ct.Register(static s => ((CancellationTokenSource)s!).Cancel(), cts))
                {
                    return (e, cts, await e.MoveNextAsync());
                }
            }
            catch
            {
                await e.DisposeAsync();
                cts.Dispose();
                throw;
            }
        }, cancellationToken);

        using (cts)
        await using (e)
        {
            for (bool more = hasFirst; more; more = await e.MoveNextAsync())
            {
                yield return e.Current;
            }
        }
    }
}
