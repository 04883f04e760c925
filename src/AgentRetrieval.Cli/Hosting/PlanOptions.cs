using System.CommandLine;
using System.Globalization;
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

    /// <summary>Applies the explicit options to a plan made from the request's words.</summary>
    public SearchPlan Apply(SearchPlan plan, ParseResult result, PlanContext context)
    {
        string? from = result.GetValue(From), to = result.GetValue(To);
        if (from is not null || to is not null)
        {
            DateOnly? f = from is null ? null : ParseDate(from, start: true, "--from");
            DateOnly? t = to is null ? null : ParseDate(to, start: false, "--to");
            if (f > t)
            {
                throw new SettingsException($"--from {from} is after --to {to}.");
            }

            plan = plan with { Date = new DateFilter(f, t, $"{from ?? "…"} to {to ?? "…"}") };
        }

        if (result.GetValue(Place) is { } place)
        {
            PlaceFilter p = RulePlanParser.ResolvePlace(place, context, afterPreposition: true)
                ?? throw new SettingsException($"'{place}' is neither a place where indexed photos were taken nor a city or country the gazetteer knows.");
            plan = plan with { Place = p };
        }

        if (result.GetValue(Camera) is { } camera)
        {
            plan = plan with { Camera = RulePlanParser.ResolveCamera(camera, context, strong: true) ?? new CameraFilter(camera, []) };
        }

        if (result.GetValue(Text) is { Length: > 0 } text)
        {
            plan = plan with { TextInImage = [.. plan.TextInImage, text] };
        }

        if (result.GetValue(Folder) is { Length: > 0 } folder)
        {
            plan = plan with { Folder = folder };
        }

        if (result.GetValue(Sort) is { } sort)
        {
            plan = plan with
            {
                Sort = sort.ToLowerInvariant() switch
                {
                    "relevance" => SearchSort.Relevance,
                    "date" or "newest" => SearchSort.NewestFirst,
                    "oldest" or "date-ascending" => SearchSort.OldestFirst,
                    _ => throw new SettingsException($"--sort takes relevance, date or oldest, not '{sort}'."),
                },
            };
        }

        return plan;
    }

    private static DateOnly ParseDate(string text, bool start, string option)
    {
        string[] formats = ["yyyy-MM-dd", "yyyy-MM", "yyyy"];
        if (!DateTime.TryParseExact(text, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime d))
        {
            throw new SettingsException($"{option} takes a date as 2019, 2019-03 or 2019-03-05, not '{text}'.");
        }

        var day = DateOnly.FromDateTime(d);
        if (start)
        {
            return day;
        }

        return text.Length switch
        {
            4 => new DateOnly(day.Year, 12, 31),
            7 => new DateOnly(day.Year, day.Month, DateTime.DaysInMonth(day.Year, day.Month)),
            _ => day,
        };
    }
}
