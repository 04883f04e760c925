using System.CommandLine;
using AgentRetrieval.Planning;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>
/// The explicit filter options of <c>search</c> and <c>chat</c> (<c>--from</c>, <c>--to</c>, <c>--place</c>,
/// <c>--camera</c>, <c>--text</c>, <c>--folder</c>, <c>--sort</c>); each overrides what the request's words say.
/// </summary>
internal sealed class PlanOptions
{
    public Option<string?> From { get; } = new("--from") { Description = "Taken on or after this date: 2019, 2019-03 or 2019-03-05." };

    public Option<string?> To { get; } = new("--to") { Description = "Taken on or before this date: 2019, 2019-03 or 2019-03-05." };

    public Option<string?> Place { get; } = new("--place") { Description = "Taken in this city or country (\"Lisbon\", \"Japan\")." };

    public Option<string?> Camera { get; } = new("--camera") { Description = "Taken with this camera (\"Nikon\", \"iPhone 12\")." };

    public Option<string?> Text { get; } = new("--text") { Description = "Words written in the picture." };

    public Option<string?> Folder { get; } = new("--folder") { Description = "A folder name the photo's path contains." };

    public Option<string?> Sort { get; } = new("--sort") { Description = "relevance (default), date (newest first) or oldest." };

    public void AddTo(Command command)
    {
        command.Options.Add(From);
        command.Options.Add(To);
        command.Options.Add(Place);
        command.Options.Add(Camera);
        command.Options.Add(Text);
        command.Options.Add(Folder);
        command.Options.Add(Sort);
    }

    /// <summary>The explicit options given.</summary>
    public ExplicitFilters Read(ParseResult result) => new(result.GetValue(From), result.GetValue(To), result.GetValue(Place), result.GetValue(Camera),
        result.GetValue(Text), result.GetValue(Folder), result.GetValue(Sort));

    /// <summary>Applies the explicit options to a plan made from the request's words.</summary>
    public SearchPlan Apply(SearchPlan plan, ParseResult result, PlanContext context)
    {
        try
        {
            return Read(result).Apply(plan, context);
        }
        catch (ArgumentException ex)
        {
            throw new SettingsException("--" + ex.Message);
        }
    }
}
