using Microsoft.Extensions.AI;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>Adds <see cref="LogprobScoringChatClient"/> to a chat client pipeline.</summary>
internal static class LogprobScoringChatClientBuilderExtensions
{
    /// <summary>Reads P("yes") from the server's log-probabilities (when <paramref name="enabled"/>).</summary>
    public static ChatClientBuilder UseLogprobScoring(this ChatClientBuilder builder, bool enabled = true) =>
        enabled ? builder.Use(inner => new LogprobScoringChatClient(inner)) : builder;
}
