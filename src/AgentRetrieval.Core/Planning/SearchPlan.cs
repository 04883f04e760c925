using System.Globalization;
using System.Text;

namespace AgentRetrieval.Planning;

/// <summary>
/// A request turned into what retrieval acts on: what the photo looks like (<see cref="VisualQuery"/>), what it must not
/// look like, the words written in it, and filters on when, where, with which camera and in which folder it was taken.
/// </summary>
public sealed record SearchPlan
{
    /// <summary>What should be visible, for the image–text model; empty for a request made only of filters.</summary>
    public string VisualQuery { get; init; } = "";

    /// <summary>What must not be visible ("night", "black and white").</summary>
    public IReadOnlyList<string> NegativeTerms { get; init; } = [];

    /// <summary>Words written in the picture ("fresh fish").</summary>
    public IReadOnlyList<string> TextInImage { get; init; } = [];

    /// <summary>When it was taken.</summary>
    public DateFilter? Date { get; init; }

    /// <summary>Where it was taken.</summary>
    public PlaceFilter? Place { get; init; }

    /// <summary>With which camera.</summary>
    public CameraFilter? Camera { get; init; }

    /// <summary>A folder name the photo's path must contain.</summary>
    public string? Folder { get; init; }

    /// <summary>How to order the results.</summary>
    public SearchSort Sort { get; init; } = SearchSort.Relevance;

    /// <summary>Who made the plan: <c>rules</c> or <c>llm</c>.</summary>
    public string Source { get; init; } = "rules";

    /// <summary>Notes for the user (an ambiguous word, an unknown camera).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Whether any filter is set.</summary>
    public bool HasFilters => Date is not null || Place is not null || Camera is not null || Folder is not null;

    /// <summary>Whether the request is only filters: nothing to look like, no text to find.</summary>
    public bool IsFilterOnly => HasFilters && VisualQuery.Length == 0 && TextInImage.Count == 0;

    /// <summary>An empty plan for a query text.</summary>
    /// <param name="visualQuery">The text.</param>
    public static SearchPlan ForText(string visualQuery) => new() { VisualQuery = visualQuery ?? "" };

    /// <summary>The filters, named as a person would ("2019", "in Lisbon, Portugal", "camera NIKON D750").</summary>
    public IReadOnlyList<string> DescribeFilters()
    {
        var parts = new List<string>();
        if (Date is not null)
        {
            parts.Add($"taken {Date.Label} ({Date.IsoRange})");
        }

        if (Place is not null)
        {
            parts.Add($"in {Place.DisplayName}");
        }

        if (Camera is not null)
        {
            parts.Add($"camera {Camera.DisplayName}");
        }

        if (Folder is not null)
        {
            parts.Add($"folder \"{Folder}\"");
        }

        return parts;
    }

    /// <summary>One line: every part of the plan.</summary>
    public string Describe()
    {
        var sb = new StringBuilder();
        sb.Append(VisualQuery.Length > 0 ? $"looks like \"{VisualQuery}\"" : "any look");
        if (NegativeTerms.Count > 0)
        {
            sb.Append("; not ").Append(string.Join(", ", NegativeTerms.Select(n => $"\"{n}\"")));
        }

        if (TextInImage.Count > 0)
        {
            sb.Append("; text ").Append(string.Join(", ", TextInImage.Select(t => $"\"{t}\"")));
        }

        foreach (string f in DescribeFilters())
        {
            sb.Append("; ").Append(f);
        }

        if (Sort != SearchSort.Relevance)
        {
            sb.Append(Sort == SearchSort.NewestFirst ? "; newest first" : "; oldest first");
        }

        foreach (string n in Notes)
        {
            sb.Append(" (").Append(n).Append(')');
        }

        return sb.ToString();
    }

    /// <summary>The plan as a JSON-friendly object (ISO dates, resolved names).</summary>
    public object ToJson() => new
    {
        visual_query = VisualQuery,
        negative_terms = NegativeTerms,
        text_in_image = TextInImage,
        date = Date is null ? null : new
        {
            from = Date.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            to = Date.To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            label = Date.Label,
            season = Date.Season?.ToString().ToLowerInvariant(),
        },
        place = Place is null ? null : new
        {
            name = Place.Name,
            resolved = Place.DisplayName,
            city = (Place.Places.Count > 0 ? Place.Places[0].City : null),
            country = (Place.Places.Count > 0 ? Place.Places[0].Country : null),
            country_code = (Place.Places.Count > 0 ? Place.Places[0].CountryCode : null),
            source = Place.Source,
            also_a_word = Place.AlsoAWord,
        },
        camera = Camera is null ? null : new { name = Camera.Name, resolved = Camera.DisplayName, models = Camera.Models.Select(m => m.DisplayName) },
        folder = Folder,
        sort = Sort switch { SearchSort.NewestFirst => "date", SearchSort.OldestFirst => "date_ascending", _ => "relevance" },
        source = Source,
        notes = Notes,
    };
}
