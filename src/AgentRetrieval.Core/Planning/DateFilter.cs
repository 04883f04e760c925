using System.Globalization;

namespace AgentRetrieval.Planning;

/// <summary>
/// A date range in the photo's own wall-clock time, both ends inclusive (whole days). A season filter also records the
/// season and the year named, so that a photo taken in the southern hemisphere is matched against that hemisphere's
/// months.
/// </summary>
/// <param name="From">The first day (inclusive), or null for no lower bound.</param>
/// <param name="To">The last day (inclusive), or null for no upper bound.</param>
/// <param name="Label">How the request said it ("last summer", "March 2021").</param>
/// <param name="Season">The season, for a season filter.</param>
/// <param name="SeasonYear">The year the season starts in.</param>
public sealed record DateFilter(DateOnly? From, DateOnly? To, string Label, Season? Season = null, int? SeasonYear = null)
{
    /// <summary>The range that applies to a photo taken at this latitude (the southern hemisphere's months for seasons).</summary>
    /// <param name="latitude">The photo's latitude, when known.</param>
    /// <returns>First and last day, inclusive.</returns>
    public (DateOnly? From, DateOnly? To) RangeAt(double? latitude)
    {
        if (Season is not { } season || SeasonYear is not { } year || latitude is not < 0)
        {
            return (From, To);
        }

        return SeasonRange(season, year, southern: true);
    }

    /// <summary>Whether a photo taken at <paramref name="taken"/> (wall-clock) and <paramref name="latitude"/> matches.</summary>
    /// <param name="taken">When it was taken.</param>
    /// <param name="latitude">Where, when known.</param>
    public bool Matches(DateTime taken, double? latitude)
    {
        (DateOnly? from, DateOnly? to) = RangeAt(latitude);
        var day = DateOnly.FromDateTime(taken);
        return (from is null || day >= from) && (to is null || day <= to);
    }

    /// <summary>The months of a season in a year, in one hemisphere.</summary>
    /// <param name="season">The season.</param>
    /// <param name="year">The year the season starts in.</param>
    /// <param name="southern">The southern hemisphere's months.</param>
    /// <returns>First and last day, inclusive.</returns>
    public static (DateOnly From, DateOnly To) SeasonRange(Season season, int year, bool southern)
    {
        int startMonth = (season, southern) switch
        {
            (Planning.Season.Spring, false) or (Planning.Season.Autumn, true) => 3,
            (Planning.Season.Summer, false) or (Planning.Season.Winter, true) => 6,
            (Planning.Season.Autumn, false) or (Planning.Season.Spring, true) => 9,
            _ => 12,
        };
        var from = new DateOnly(year, startMonth, 1);
        return (from, from.AddMonths(3).AddDays(-1));
    }

    /// <summary>ISO dates, "2021-03-01..2021-03-31".</summary>
    public string IsoRange => $"{From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? ""}..{To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? ""}";
}
