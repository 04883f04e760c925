using System.Globalization;
using System.Text.Json;
using AgentRetrieval.Metadata;

namespace AgentRetrieval.Planning;

/// <summary>
/// A labelled set of requests with the plans they should give (dates, places, cameras, text, negations, order), run
/// against a parser: the tests assert it, and <c>agentretrieval eval --plans</c> prints it as a table.
/// </summary>
public sealed class PlanCaseSet
{
    private PlanCaseSet(PlanContext context, IReadOnlyList<PlanCase> cases)
    {
        Context = context;
        Cases = cases;
    }

    /// <summary>The context the cases assume (today, the index's places and cameras).</summary>
    public PlanContext Context { get; }

    /// <summary>The cases.</summary>
    public IReadOnlyList<PlanCase> Cases { get; }

    /// <summary>Loads a case file.</summary>
    /// <param name="path">The JSON file.</param>
    /// <param name="gazetteer">The gazetteer, when installed (cases that need it are skipped without it).</param>
    /// <returns>The set.</returns>
    public static PlanCaseSet Load(string path, Gazetteer? gazetteer)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = doc.RootElement;
        var today = DateOnly.ParseExact(root.GetProperty("today").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        Place[] places = [.. root.GetProperty("index_places").EnumerateArray().Select(p =>
        {
            string code = p.GetProperty("country").GetString()!;
            return new Place(p.GetProperty("city").GetString(), code, CountryNames.NameOf(code));
        })];
        CameraModel[] cameras = [.. root.GetProperty("index_cameras").EnumerateArray().Select(c => new CameraModel(c.GetProperty("make").GetString(), c.GetProperty("model").GetString()))];
        var cases = new List<PlanCase>();
        foreach (JsonElement c in root.GetProperty("cases").EnumerateArray())
        {
            cases.Add(new PlanCase(
                c.GetProperty("request").GetString()!,
                Str(c, "visual") ?? "",
                List(c, "negative"),
                List(c, "text"),
                Str(c, "from"),
                Str(c, "to"),
                Str(c, "season"),
                Str(c, "place"),
                Str(c, "place_source"),
                c.TryGetProperty("also_a_word", out JsonElement w) && w.GetBoolean(),
                Str(c, "camera"),
                Str(c, "camera_none"),
                Str(c, "folder"),
                Str(c, "sort") ?? "relevance",
                c.TryGetProperty("needs_gazetteer", out JsonElement g) && g.GetBoolean()));
        }

        return new PlanCaseSet(new PlanContext(today, places, cameras, gazetteer), cases);
    }

    /// <summary>Runs every case through <paramref name="parse"/>.</summary>
    /// <param name="parse">The parser.</param>
    /// <returns>One result per case (skipped cases when the gazetteer is missing).</returns>
    public IReadOnlyList<PlanCaseResult> Run(Func<string, PlanContext, SearchPlan> parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var results = new List<PlanCaseResult>();
        foreach (PlanCase c in Cases)
        {
            if (c.NeedsGazetteer && Context.Gazetteer is null)
            {
                results.Add(new PlanCaseResult(c, null, [], Skipped: true));
                continue;
            }

            SearchPlan plan = parse(c.Request, Context);
            results.Add(new PlanCaseResult(c, plan, Compare(c, plan), Skipped: false));
        }

        return results;
    }

    /// <summary>The fields of <paramref name="plan"/> that differ from the case's expectation.</summary>
    /// <param name="c">The case.</param>
    /// <param name="plan">The plan.</param>
    /// <returns>One line per difference.</returns>
    public static IReadOnlyList<string> Compare(PlanCase c, SearchPlan plan)
    {
        ArgumentNullException.ThrowIfNull(c);
        ArgumentNullException.ThrowIfNull(plan);
        var diffs = new List<string>();
        void Check(string field, string? expected, string? actual)
        {
            if (!string.Equals(expected ?? "", actual ?? "", StringComparison.OrdinalIgnoreCase))
            {
                diffs.Add($"{field}: expected '{expected}', got '{actual}'");
            }
        }

        Check("visual", c.Visual, plan.VisualQuery);
        Check("negative", string.Join("|", c.Negative), string.Join("|", plan.NegativeTerms));
        Check("text", string.Join("|", c.Text), string.Join("|", plan.TextInImage));
        Check("from", c.From, plan.Date?.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Check("to", c.To, plan.Date?.To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        Check("season", c.Season, plan.Date?.Season?.ToString());
        string? place = plan.Place is null ? null : plan.Place.Places.Count > 0 && plan.Place.Places[0].City is { } city ? city : plan.Place.Places.Count > 0 ? plan.Place.Places[0].CountryCode : plan.Place.Name;
        Check("place", c.Place, place);
        if (c.PlaceSource is not null)
        {
            Check("place source", c.PlaceSource, plan.Place?.Source);
        }

        if (c.AlsoAWord != (plan.Place?.AlsoAWord ?? false))
        {
            diffs.Add($"place also a word: expected {c.AlsoAWord}");
        }

        Check("camera", c.Camera, plan.Camera is { Models.Count: > 0 } cam ? cam.DisplayName : null);
        Check("camera not indexed", c.CameraNone, plan.Camera is { Models.Count: 0 } none ? none.Name : null);
        Check("folder", c.Folder, plan.Folder);
        Check("sort", c.Sort, plan.Sort switch { SearchSort.NewestFirst => "date", SearchSort.OldestFirst => "date_ascending", _ => "relevance" });
        return diffs;
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static IReadOnlyList<string> List(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Array ? [.. v.EnumerateArray().Select(x => x.GetString()!)] : [];
}

/// <summary>One labelled request.</summary>
/// <param name="Request">The request.</param>
/// <param name="Visual">The expected visual query.</param>
/// <param name="Negative">The expected negative terms.</param>
/// <param name="Text">The expected text to find.</param>
/// <param name="From">The expected first day (yyyy-MM-dd).</param>
/// <param name="To">The expected last day.</param>
/// <param name="Season">The expected season name.</param>
/// <param name="Place">The expected city, or country code.</param>
/// <param name="PlaceSource">The expected place source (index or gazetteer), when checked.</param>
/// <param name="AlsoAWord">Whether the place should be flagged as an ordinary word too.</param>
/// <param name="Camera">The expected resolved camera.</param>
/// <param name="CameraNone">A camera named that the index does not hold.</param>
/// <param name="Folder">The expected folder.</param>
/// <param name="Sort">relevance, date or date_ascending.</param>
/// <param name="NeedsGazetteer">The case needs the gazetteer file.</param>
public sealed record PlanCase(string Request, string Visual, IReadOnlyList<string> Negative, IReadOnlyList<string> Text, string? From, string? To,
    string? Season, string? Place, string? PlaceSource, bool AlsoAWord, string? Camera, string? CameraNone, string? Folder, string Sort, bool NeedsGazetteer);

/// <summary>A case's outcome.</summary>
/// <param name="Case">The case.</param>
/// <param name="Plan">The plan made (null when skipped).</param>
/// <param name="Differences">What differs from the expectation; empty when it passed.</param>
/// <param name="Skipped">Skipped for want of the gazetteer.</param>
public sealed record PlanCaseResult(PlanCase Case, SearchPlan? Plan, IReadOnlyList<string> Differences, bool Skipped)
{
    /// <summary>Whether the plan is as expected.</summary>
    public bool Passed => !Skipped && Differences.Count == 0;
}
