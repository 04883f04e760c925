using Microsoft.Extensions.DependencyInjection;

namespace AgentRetrieval.Mcp;

/// <summary>The one MCP surface every host serves (stdio in the CLI, HTTP in <c>serve</c>).</summary>
public static class AgentRetrievalMcpBuilderExtensions
{
    /// <summary>
    /// Adds the image-search tools (with output schemas and structured results), the <c>image://</c> resources, and the
    /// argument check that answers a wrong argument name or type with which argument and why. The host registers an
    /// <see cref="Tools.ImageSearchTools"/> singleton.
    /// </summary>
    public static IMcpServerBuilder WithAgentRetrieval(this IMcpServerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .WithTools<McpImageTools>()
            .WithResources<McpImageResources>()
            .WithRequestFilters(filters => filters.AddCallToolFilter(next => async (context, cancellationToken) =>
                McpArgumentCheck.Problem(context.Params?.Name, context.Params?.Arguments) is { } problem
                    ? McpArgumentCheck.Refusal(problem)
                    : await next(context, cancellationToken)));
    }
}
