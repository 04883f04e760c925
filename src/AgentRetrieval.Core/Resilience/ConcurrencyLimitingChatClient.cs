using System.Runtime.CompilerServices;
using AgentRetrieval.Agent;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Resilience;

/// <summary>
/// Lets at most a given number of calls through to the inner client at once (a server's Llm:MaxConcurrency), and tells
/// callers that number through <see cref="LlmConcurrency"/> so that they can fan out that far.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class ConcurrencyLimitingChatClient : DelegatingChatClient
{
    private readonly SemaphoreSlim _gate;
    private readonly LlmConcurrency _concurrency;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    /// <param name="inner">The client.</param>
    /// <param name="maxConcurrentCalls">The most calls in flight (at least 1).</param>
    public ConcurrencyLimitingChatClient(IChatClient inner, int maxConcurrentCalls)
        : base(inner)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentCalls, 1);
        _gate = new SemaphoreSlim(maxConcurrentCalls, maxConcurrentCalls);
        _concurrency = new LlmConcurrency(maxConcurrentCalls);
    }

    /// <inheritdoc/>
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await base.GetResponseAsync(messages, options, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await foreach (ChatResponseUpdate update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc/>
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType == typeof(LlmConcurrency) ? _concurrency : base.GetService(serviceType, serviceKey);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gate.Dispose();
        }

        base.Dispose(disposing);
    }
}
