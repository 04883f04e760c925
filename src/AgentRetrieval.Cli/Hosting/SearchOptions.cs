using System.ComponentModel.DataAnnotations;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>Search defaults (section <c>Search</c>).</summary>
internal sealed class SearchOptions
{
    public const string SectionName = "Search";

    [Range(1, 10_000)]
    public int Top { get; set; } = 10;

    [Range(1, 100_000)]
    public int MaxQueryCharacters { get; set; } = 2000;
}
