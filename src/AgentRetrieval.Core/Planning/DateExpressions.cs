using System.Globalization;
using System.Text.RegularExpressions;

namespace AgentRetrieval.Planning;

/// <summary>
/// English date expressions resolved against today's date: years, months, days, ranges, decades, seasons, holidays and
/// relative dates ("last summer", "yesterday", "3 weeks ago", "this year"). Every range is whole days, both ends
/// inclusive, in the photo's own wall-clock time.
/// </summary>
internal static partial class DateExpressions
{
    private static readonly string[] s_months = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

    private const string Month = @"(?<m>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
    private const string Month2 = @"(?<m2>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";
    private const string Year = @"(?<y>(?:19|20)\d\d)";
    private const string Year2 = @"(?<y2>(?:19|20)\d\d)";
    private const string Season = @"(?<s>spring|summer|autumn|fall|winter)";
    private const string Lead = @"(?:(?:in|from|during|of|on|at|around|taken(?:\s+in)?|back\s+in)\s+)?(?:the\s+)?";

    /// <summary>Finds the first date expression; returns it with the span it covers, or null.</summary>
    public static (DateFilter Filter, int Index, int Length)? Find(string text, DateOnly today)
    {
        foreach ((Regex regex, Func<Match, DateOnly, DateFilter?> resolve) in s_rules)
        {
            Match m = regex.Match(text);
            while (m.Success)
            {
                DateFilter? f = resolve(m, today);
                if (f is not null)
                {
                    return (f, m.Index, m.Length);
                }

                m = m.NextMatch();
            }
        }

        return null;
    }

    private static readonly (Regex, Func<Match, DateOnly, DateFilter?>)[] s_rules =
    [
        // ISO day and month: 2021-03-05, 2021-03
        (new Regex(Lead + @"\b(?<y>(?:19|20)\d\d)-(?<mo>0[1-9]|1[0-2])(?:-(?<d>0[1-9]|[12]\d|3[01]))?\b", RegexOptions.IgnoreCase), (m, _) =>
        {
            int y = Int(m, "y"), mo = Int(m, "mo");
            if (m.Groups["d"].Success)
            {
                var day = SafeDay(y, mo, Int(m, "d"));
                return day is null ? null : new DateFilter(day, day, day.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            }

            return MonthFilter(y, mo, $"{Cap(s_months[mo - 1])} {y}");
        }),

        // between 2016 and 2018 / from 2016 to 2018 / 2016-2018 / 2016 through 2018
        (new Regex(@"\b(?:(?:between|from)\s+)?" + Year + @"\s*(?:and|to|until|till|through|thru|-|–)\s*" + Year2 + @"\b", RegexOptions.IgnoreCase), (m, _) =>
        {
            int a = Int(m, "y"), b = Int(m, "y2");
            if (b < a)
            {
                (a, b) = (b, a);
            }

            return new DateFilter(new DateOnly(a, 1, 1), new DateOnly(b, 12, 31), $"{a}–{b}");
        }),

        // between March and May 2020 / from March to May 2020
        (new Regex(@"\b(?:between|from)\s+" + Month + @"\s+(?:and|to|until|through)\s+" + Month2 + @"(?:\s+(?:of\s+)?" + Year + @")?\b", RegexOptions.IgnoreCase), (m, today) =>
        {
            int a = MonthOf(m.Groups["m"].Value), b = MonthOf(m.Groups["m2"].Value);
            int y = m.Groups["y"].Success ? Int(m, "y") : LatestYearWithMonth(b, today);
            int ya = a <= b ? y : y - 1;
            return new DateFilter(new DateOnly(ya, a, 1), LastDay(y, b), $"{Cap(s_months[a - 1])}–{Cap(s_months[b - 1])} {y}");
        }),

        // 5 March 2021 / March 5, 2021 / March 5th 2021
        (new Regex(Lead + @"\b(?<d>[12]?\d|3[01])(?:st|nd|rd|th)?\s+(?:of\s+)?" + Month + @",?\s+" + Year + @"\b", RegexOptions.IgnoreCase), (m, _) => DayFilter(Int(m, "y"), MonthOf(m.Groups["m"].Value), Int(m, "d"))),
        (new Regex(Lead + @"\b" + Month + @"\s+(?<d>[12]?\d|3[01])(?:st|nd|rd|th)?,?\s+" + Year + @"\b", RegexOptions.IgnoreCase), (m, _) => DayFilter(Int(m, "y"), MonthOf(m.Groups["m"].Value), Int(m, "d"))),

        // (in) March 2021 / March of 2021
        (new Regex(Lead + @"\b" + Month + @",?\s+(?:of\s+)?" + Year + @"\b", RegexOptions.IgnoreCase), (m, _) =>
        {
            int mo = MonthOf(m.Groups["m"].Value), y = Int(m, "y");
            return MonthFilter(y, mo, $"{Cap(s_months[mo - 1])} {y}");
        }),

        // (the) summer of 2019 / summer 2019 / winter 2019
        (new Regex(Lead + @"\b" + Season + @"\s+(?:of\s+)?" + Year + @"\b", RegexOptions.IgnoreCase), (m, _) => SeasonFilter(SeasonOf(m.Groups["s"].Value), Int(m, "y"), $"{m.Groups["s"].Value.ToLowerInvariant()} {m.Groups["y"].Value}")),

        // last summer / this winter / two summers ago / the summer before last
        (new Regex(@"\b(?:(?:in|during)\s+)?(?:the\s+)?(?<rel>last|this|past|previous)\s+" + Season + @"\b", RegexOptions.IgnoreCase), (m, today) =>
        {
            Season s = SeasonOf(m.Groups["s"].Value);
            int y = m.Groups["rel"].Value.Equals("this", StringComparison.OrdinalIgnoreCase) ? CurrentOrLatestSeasonYear(s, today) : LastCompletedSeasonYear(s, today);
            return SeasonFilter(s, y, m.Value.Trim().ToLowerInvariant());
        }),
        (new Regex(@"\b(?<n>two|three|four|five|2|3|4|5)\s+" + @"(?<s>springs|summers|autumns|falls|winters)\s+ago\b", RegexOptions.IgnoreCase), (m, today) =>
        {
            Season s = SeasonOf(m.Groups["s"].Value.TrimEnd('s', 'S'));
            int y = LastCompletedSeasonYear(s, today) - (Number(m.Groups["n"].Value) - 1);
            return SeasonFilter(s, y, m.Value.Trim().ToLowerInvariant());
        }),

        // decades: the 90s, the 1990s, the nineties
        (new Regex(@"\b(?:(?:in|from|during)\s+)?(?:the\s+)?(?<c>19|20)?(?<d>[0-9])0'?s\b", RegexOptions.IgnoreCase), (m, today) =>
        {
            int d = Int(m, "d");
            int century = m.Groups["c"].Success ? Int(m, "c") * 100 : (d * 10 > today.Year % 100 ? 1900 : 2000);
            int start = century + (d * 10);
            return start > today.Year ? null : new DateFilter(new DateOnly(start, 1, 1), new DateOnly(start + 9, 12, 31), $"the {start}s");
        }),

        // christmas 2019 / new year's eve 2020
        (new Regex(@"\b(?:(?:at|on|over|during)\s+)?(?<h>christmas|xmas|new\s+year'?s\s+eve|halloween)(?:\s+(?:of\s+)?" + Year + @")?\b", RegexOptions.IgnoreCase), (m, today) =>
        {
            string h = m.Groups["h"].Value.ToLowerInvariant();
            (int mo, int from, int to, string name) = h.StartsWith("hal", StringComparison.Ordinal) ? (10, 31, 31, "Halloween")
                : h.StartsWith("new", StringComparison.Ordinal) ? (12, 31, 31, "New Year's Eve") : (12, 24, 26, "Christmas");
            int y = m.Groups["y"].Success ? Int(m, "y") : (today >= new DateOnly(today.Year, mo, from) ? today.Year : today.Year - 1);
            return new DateFilter(new DateOnly(y, mo, from), new DateOnly(y, mo, to), $"{name} {y}");
        }),

        // since 2020 / after 2019 / before 2010
        (new Regex(@"\b(?<k>since|after|before|until|till|prior\s+to)\s+" + Year + @"\b", RegexOptions.IgnoreCase), (m, _) =>
        {
            int y = Int(m, "y");
            string k = m.Groups["k"].Value.ToLowerInvariant();
            return k switch
            {
                "since" => new DateFilter(new DateOnly(y, 1, 1), null, $"since {y}"),
                "after" => new DateFilter(new DateOnly(y + 1, 1, 1), null, $"after {y}"),
                _ => new DateFilter(null, new DateOnly(y - 1, 12, 31), $"before {y}"),
            };
        }),

        // relative days, weeks, months, years
        (new Regex(@"\b(?:(?:from|taken|on)\s+)?(?<r>yesterday|today|tonight|this\s+morning|the\s+day\s+before\s+yesterday)\b", RegexOptions.IgnoreCase), (m, today) =>
        {
            string r = m.Groups["r"].Value.ToLowerInvariant();
            DateOnly d = r.StartsWith("yesterday", StringComparison.Ordinal) ? today.AddDays(-1) : r.StartsWith("the day", StringComparison.Ordinal) ? today.AddDays(-2) : today;
            return new DateFilter(d, d, r.StartsWith("the day", StringComparison.Ordinal) ? "the day before yesterday" : r.StartsWith("yesterday", StringComparison.Ordinal) ? "yesterday" : "today");
        }),
        // weekends and weekdays: "last weekend", "this weekend", "last Tuesday", "on Sunday" (the most recent one)
        (new Regex(@"\b(?:(?:on|from|during|over)\s+)?(?:the\s+)?(?<rel>last|this|past|previous)\s+weekend\b", RegexOptions.IgnoreCase), (m, today) =>
        {
            DateOnly saturday = today.AddDays(-(((int)today.DayOfWeek + 1) % 7)); // the latest Saturday, today included
            bool current = m.Groups["rel"].Value.Equals("this", StringComparison.OrdinalIgnoreCase);
            if (!current && saturday.AddDays(1) >= today)
            {
                saturday = saturday.AddDays(-7); // "last weekend" during a weekend is the one before
            }

            return new DateFilter(saturday, saturday.AddDays(1), m.Value.Trim().ToLowerInvariant());
        }),
        (new Regex(@"\b(?:(?<rel>last|this|past|previous)\s+|on\s+)(?<d>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b", RegexOptions.IgnoreCase), (m, today) =>
        {
            var day = Enum.Parse<DayOfWeek>(m.Groups["d"].Value, ignoreCase: true);
            int back = ((int)today.DayOfWeek - (int)day + 7) % 7;
            if (back == 0 && m.Groups["rel"].Success && !m.Groups["rel"].Value.Equals("this", StringComparison.OrdinalIgnoreCase))
            {
                back = 7; // "last Friday" on a Friday is a week ago
            }

            DateOnly d = today.AddDays(-back);
            return new DateFilter(d, d, m.Value.Trim().ToLowerInvariant());
        }),
        (new Regex(@"\b(?:(?:from|in|during)\s+)?(?<rel>this|last|past|previous)\s+(?<u>week|month|year)\b", RegexOptions.IgnoreCase), (m, today) =>
        {
            bool current = m.Groups["rel"].Value.Equals("this", StringComparison.OrdinalIgnoreCase);
            string u = m.Groups["u"].Value.ToLowerInvariant();
            string label = m.Groups["rel"].Value.ToLowerInvariant() + " " + u;
            switch (u)
            {
                case "week":
                    DateOnly monday = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
                    return current ? new DateFilter(monday, today, label) : new DateFilter(monday.AddDays(-7), monday.AddDays(-1), label);
                case "month":
                    var first = new DateOnly(today.Year, today.Month, 1);
                    return current ? new DateFilter(first, today, label) : new DateFilter(first.AddMonths(-1), first.AddDays(-1), label);
                default:
                    return current ? new DateFilter(new DateOnly(today.Year, 1, 1), today, label)
                        : new DateFilter(new DateOnly(today.Year - 1, 1, 1), new DateOnly(today.Year - 1, 12, 31), label);
            }
        }),
        (new Regex(@"\b(?<n>\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|a\s+couple\s+of|a\s+few)\s+(?<u>day|week|month|year)s?\s+ago\b", RegexOptions.IgnoreCase), (m, today) =>
        {
            int n = Number(m.Groups["n"].Value);
            string u = m.Groups["u"].Value.ToLowerInvariant();
            string label = m.Value.Trim().ToLowerInvariant();
            return u switch
            {
                "day" => new DateFilter(today.AddDays(-n), today.AddDays(-n), label),
                // "3 weeks ago": that week, give or take a few days.
                "week" => new DateFilter(today.AddDays((-7 * n) - 3), today.AddDays((-7 * n) + 3), label),
                "month" => MonthFilter(today.AddMonths(-n).Year, today.AddMonths(-n).Month, label),
                _ => new DateFilter(new DateOnly(today.Year - n, 1, 1), new DateOnly(today.Year - n, 12, 31), label),
            };
        }),
        (new Regex(@"\b(?:in\s+|over\s+|from\s+|during\s+)?the\s+(?:last|past)\s+(?<n>\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|few|couple\s+of)\s+(?<u>day|week|month|year)s\b", RegexOptions.IgnoreCase), (m, today) =>
        {
            int n = Number(m.Groups["n"].Value);
            string u = m.Groups["u"].Value.ToLowerInvariant();
            DateOnly from = u switch { "day" => today.AddDays(-n), "week" => today.AddDays(-7 * n), "month" => today.AddMonths(-n), _ => today.AddYears(-n) };
            return new DateFilter(from, today, m.Value.Trim().ToLowerInvariant());
        }),

        // a season alone ("in summer", "winter photos"): the latest completed one is too strong a guess, so every year's
        // season is not expressible as one range; take the latest completed one and say so in the label.
        (new Regex(@"\b(?:in|during)\s+(?:the\s+)?" + Season + @"\b(?!\s+(?:of\s+)?(?:19|20)\d\d)", RegexOptions.IgnoreCase), (m, today) =>
        {
            Season s = SeasonOf(m.Groups["s"].Value);
            int y = LastCompletedSeasonYear(s, today);
            return SeasonFilter(s, y, $"{m.Groups["s"].Value.ToLowerInvariant()} {y}");
        }),

        // (in) March: the latest March that has begun
        (new Regex(@"\b(?:(?:in|during|from|last)\s+)" + Month + @"\b(?!\s+\d)", RegexOptions.IgnoreCase), (m, today) =>
        {
            int mo = MonthOf(m.Groups["m"].Value);
            bool last = m.Value.TrimStart().StartsWith("last", StringComparison.OrdinalIgnoreCase);
            int y = LatestYearWithMonth(mo, today);
            if (last && y == today.Year && mo == today.Month)
            {
                y--;
            }

            return MonthFilter(y, mo, $"{Cap(s_months[mo - 1])} {y}");
        }),

        // a year on its own: in 2019 / from 2019 / 2019
        (new Regex(@"\b(?:(?:in|from|during|of|taken\s+in|back\s+in)\s+)?" + Year + @"\b", RegexOptions.IgnoreCase), (m, today) =>
        {
            int y = Int(m, "y");
            return y > today.Year + 1 ? null : new DateFilter(new DateOnly(y, 1, 1), new DateOnly(y, 12, 31), y.ToString(CultureInfo.InvariantCulture));
        }),
    ];

    private static DateFilter? DayFilter(int y, int mo, int d)
    {
        DateOnly? day = SafeDay(y, mo, d);
        return day is null ? null : new DateFilter(day, day, $"{d} {Cap(s_months[mo - 1])} {y}");
    }

    private static DateFilter MonthFilter(int y, int mo, string label) => new(new DateOnly(y, mo, 1), LastDay(y, mo), label);

    private static DateFilter SeasonFilter(Season s, int y, string label)
    {
        (DateOnly from, DateOnly to) = DateFilter.SeasonRange(s, y, southern: false);
        return new DateFilter(from, to, label, s, y);
    }

    /// <summary>The year of the most recent season <paramref name="s"/> that has ended (northern months).</summary>
    private static int LastCompletedSeasonYear(Season s, DateOnly today)
    {
        int y = today.Year;
        while (DateFilter.SeasonRange(s, y, southern: false).To >= today)
        {
            y--;
        }

        return y;
    }

    /// <summary>This year's season when it has begun, else the previous one.</summary>
    private static int CurrentOrLatestSeasonYear(Season s, DateOnly today)
    {
        int y = today.Year;
        while (DateFilter.SeasonRange(s, y, southern: false).From > today)
        {
            y--;
        }

        return y;
    }

    private static int LatestYearWithMonth(int month, DateOnly today) => month <= today.Month ? today.Year : today.Year - 1;

    private static DateOnly LastDay(int y, int mo) => new(y, mo, DateTime.DaysInMonth(y, mo));

    private static DateOnly? SafeDay(int y, int mo, int d) => d >= 1 && d <= DateTime.DaysInMonth(y, mo) ? new DateOnly(y, mo, d) : null;

    private static int Int(Match m, string group) => int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    private static int MonthOf(string text)
    {
        string t = text.ToLowerInvariant();
        return Array.FindIndex(s_months, m => m.StartsWith(t[..Math.Min(3, t.Length)], StringComparison.Ordinal)) + 1;
    }

    private static Season SeasonOf(string text) => text.ToLowerInvariant() switch
    {
        "spring" => Planning.Season.Spring,
        "summer" => Planning.Season.Summer,
        "autumn" or "fall" => Planning.Season.Autumn,
        _ => Planning.Season.Winter,
    };

    private static int Number(string text) => text.ToLowerInvariant() switch
    {
        "a" or "an" or "one" => 1,
        "two" or "a couple of" or "couple of" => 2,
        "three" or "a few" or "few" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        string s when int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) => n,
        _ => Regex.Replace(text, @"\s+", " ").ToLowerInvariant() switch { "a couple of" => 2, "a few" => 3, _ => 1 },
    };

    private static string Cap(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}
