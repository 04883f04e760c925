using AgentRetrieval.Resilience;
using Polly;

namespace Microsoft.Extensions.AI;

/// <summary>Adds <see cref="ResilientChatClient"/> to a chat client pipeline.</summary>
public static class ResilientChatClientBuilderExtensions
{
    /// <summary>Runs the client's calls through <paramref name="pipeline"/>.</summary>
    /// <param name="builder">The builder.</param>
    /// <param name="pipeline">The resilience pipeline (see <see cref="LlmResilience.CreatePipeline"/>).</param>
    /// <returns>The builder.</returns>
    public static ChatClientBuilder UseResilience(this ChatClientBuilder builder, ResiliencePipeline pipeline)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(pipeline);
        return builder.Use(inner => new ResilientChatClient(inner, pipeline));
    }
}
