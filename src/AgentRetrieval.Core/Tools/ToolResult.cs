using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tools;

/// <summary>What a tool call returns: text a model can read, and images a host can show.</summary>
/// <param name="Text">Model-readable text (failures included, as text).</param>
/// <param name="Images">JPEG thumbnails of the first results, within the configured caps.</param>
/// <param name="IsError">Whether the call failed (the text says why).</param>
public sealed record ToolResult(string Text, IReadOnlyList<DataContent> Images, bool IsError = false)
{
    /// <summary>
    /// The same result as data for hosts that read structured content (<see cref="ImageSearchOutput"/>,
    /// <see cref="DescribeImageOutput"/> or <see cref="IndexFolderOutput"/>); null for failures.
    /// </summary>
    public object? Data { get; init; }

    /// <summary>A failure as readable text.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    public static ToolResult Fail(string message) => new("Error: " + message, [], true);

    /// <inheritdoc/>
    public override string ToString() => Text;
}
