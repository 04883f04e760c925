using AgentRetrieval.Resilience;

namespace Microsoft.Extensions.AI;

/// <summary>Adds <see cref="ConcurrencyLimitingChatClient"/> to a chat client pipeline.</summary>
public static class ConcurrencyLimitingChatClientBuilderExtensions
{
    /// <summary>At most <paramref name="maxConcurrentCalls"/> calls in flight through the rest of the pipeline.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="maxConcurrentCalls">The limit.</param>
    /// <returns>The builder.</returns>
    public static ChatClientBuilder UseConcurrencyLimit(this ChatClientBuilder builder, int maxConcurrentCalls)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => new ConcurrencyLimitingChatClient(inner, maxConcurrentCalls));
    }
}
