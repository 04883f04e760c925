using System.Globalization;

namespace AgentRetrieval.Planning;

/// <summary>
/// Filters given explicitly (command-line options, plugin and MCP parameters) rather than in the request's words; each
/// one set here replaces what the words said. One implementation for every host.
/// </summary>
/// <param name="From">Taken on or after: "2019", "2019-03" or "2019-03-05".</param>
/// <param name="To">Taken on or before, same forms (a year or month means its last day).</param>
/// <param name="Place">A city or country.</param>
/// <param name="Camera">A camera ("Nikon", "iPhone 12").</param>
/// <param name="Text">Words written in the picture.</param>
/// <param name="Folder">A folder name the path contains.</param>
/// <param name="Sort">relevance, date (newest first) or oldest.</param>
public sealed record ExplicitFilters(string? From = null, string? To = null, string? Place = null, string? Camera = null, string? Text = null, string? Folder = null, string? Sort = null)
{
    /// <summary>Whether any filter is set (blank values count as not given).</summary>
    public bool Any => new[] { From, To, Place, Camera, Text, Folder }.Any(v => !string.IsNullOrWhiteSpace(v));

    /// <summary>Applies the filters to a plan.</summary>
    /// <param name="plan">The plan from the request's words.</param>
    /// <param name="context">Resolves places and cameras.</param>
    /// <returns>The plan with the filters.</returns>
    /// <exception cref="ArgumentException">A value is malformed or names no known place; the message says which and why.</exception>
    public SearchPlan Apply(SearchPlan plan, PlanContext context)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(context);
        if (!string.IsNullOrWhiteSpace(From) || !string.IsNullOrWhiteSpace(To))
        {
            DateOnly? f = string.IsNullOrWhiteSpace(From) ? null : ParseDate(From, start: true, "from");
            DateOnly? t = string.IsNullOrWhiteSpace(To) ? null : ParseDate(To, start: false, "to");
            if (f > t)
            {
                throw new ArgumentException($"from ({From}) is after to ({To}).");
            }

            plan = plan with { Date = new DateFilter(f, t, $"{(f is null ? "…" : From)} to {(t is null ? "…" : To)}") };
        }

        if (!string.IsNullOrWhiteSpace(Place))
        {
            PlaceFilter p = RulePlanParser.ResolvePlace(Place, context, afterPreposition: true)
                ?? throw new ArgumentException($"place: '{Place}' is neither a place where indexed photos were taken nor a city or country the gazetteer knows.");
            plan = plan with { Place = p };
        }

        if (!string.IsNullOrWhiteSpace(Camera))
        {
            plan = plan with { Camera = RulePlanParser.ResolveCamera(Camera, context, strong: true) ?? new CameraFilter(Camera.Trim(), []) };
        }

        if (!string.IsNullOrWhiteSpace(Text))
        {
            plan = plan with { TextInImage = [.. plan.TextInImage, Text.Trim()] };
        }

        if (!string.IsNullOrWhiteSpace(Folder))
        {
            plan = plan with { Folder = Folder.Trim() };
        }

        if (!string.IsNullOrWhiteSpace(Sort))
        {
            plan = plan with
            {
                Sort = Sort.Trim().ToLowerInvariant() switch
                {
                    "relevance" => SearchSort.Relevance,
                    "date" or "newest" => SearchSort.NewestFirst,
                    "oldest" or "date-ascending" => SearchSort.OldestFirst,
                    _ => throw new ArgumentException($"sort takes relevance, date or oldest, not '{Sort}'."),
                },
            };
        }

        return plan;
    }

    private static DateOnly ParseDate(string text, bool start, string name)
    {
        string t = text.Trim();
        string[] formats = ["yyyy-MM-dd", "yyyy-MM", "yyyy"];
        if (!DateTime.TryParseExact(t, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime d))
        {
            throw new ArgumentException($"{name} takes a date as 2019, 2019-03 or 2019-03-05, not '{text}'.");
        }

        var day = DateOnly.FromDateTime(d);
        return start ? day : t.Length switch
        {
            4 => new DateOnly(day.Year, 12, 31),
            7 => new DateOnly(day.Year, day.Month, DateTime.DaysInMonth(day.Year, day.Month)),
            _ => day,
        };
    }
}
