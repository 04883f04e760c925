using System.Globalization;
using System.Text.Json;

namespace AgentRetrieval.Planning;

/// <summary>
/// Reads the search plan an LLM wrote as JSON (the rewrite prompt's output), validates every field and resolves places
/// and cameras the same way the rules do. Invalid output is refused with the reason, so that the caller falls back to
/// the rules' plan.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public static class LlmPlanParser
{
    private const int MaxVisualCharacters = 300;

    /// <summary>Parses a model's answer.</summary>
    /// <param name="output">The model's text (the first JSON object in it is read).</param>
    /// <param name="context">Today, the index's places and cameras, the gazetteer.</param>
    /// <param name="plan">The plan, when valid.</param>
    /// <param name="error">Why it is invalid, otherwise.</param>
    /// <returns>Whether the output held a valid plan.</returns>
    public static bool TryParse(string output, PlanContext context, out SearchPlan plan, out string error)
    {
        ArgumentNullException.ThrowIfNull(context);
        plan = new SearchPlan();
        int start = (output ?? "").IndexOf('{', StringComparison.Ordinal), end = (output ?? "").LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            error = "the model gave no JSON object";
            return false;
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(output![start..(end + 1)]);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the model's JSON is not an object";
                return false;
            }

            string visual = String(root, "visual_query") ?? "";
            if (visual.Length > MaxVisualCharacters)
            {
                visual = visual[..MaxVisualCharacters];
            }

            var notes = new List<string>();
            DateFilter? date = null;
            DateOnly? from = Date(root, "date_from"), to = Date(root, "date_to");
            if (from is not null || to is not null)
            {
                if (from > to)
                {
                    error = "date_from is after date_to";
                    return false;
                }

                date = new DateFilter(from, to, $"{from?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "…"} to {to?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "…"}");
            }

            PlaceFilter? place = null;
            if (String(root, "place") is { Length: > 0 } placeName)
            {
                place = RulePlanParser.ResolvePlace(placeName, context, afterPreposition: true);
                if (place is null)
                {
                    notes.Add($"\"{placeName}\" is not a place the index or the gazetteer knows; not used as a filter");
                }
            }

            CameraFilter? camera = String(root, "camera") is { Length: > 0 } cameraName
                ? RulePlanParser.ResolveCamera(cameraName, context, strong: true) ?? new CameraFilter(cameraName, [])
                : null;
            SearchSort sort = (String(root, "sort") ?? "relevance").ToLowerInvariant() switch
            {
                "date" or "newest" or "newest_first" => SearchSort.NewestFirst,
                "oldest" or "oldest_first" or "date_ascending" => SearchSort.OldestFirst,
                _ => SearchSort.Relevance,
            };
            plan = new SearchPlan
            {
                VisualQuery = visual.Trim(),
                NegativeTerms = Strings(root, "negative_terms"),
                TextInImage = Strings(root, "text_in_image"),
                Date = date,
                Place = place,
                Camera = camera,
                Folder = String(root, "folder") is { Length: > 0 } folder ? folder : null,
                Sort = sort,
                Source = "llm",
                Notes = notes,
            };
            error = "";
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            error = "the model's JSON plan is invalid: " + ex.Message;
            return false;
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!.Trim(),
            JsonValueKind.Null => null,
            _ => throw new FormatException($"{name} must be a string"),
        } : null;

    private static string[] Strings(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out JsonElement v) || v.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{name} must be a list of strings");
        }

        return [.. v.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()!.Trim() : throw new FormatException($"{name} must be a list of strings")).Where(s => s.Length > 0).Take(8)];
    }

    private static DateOnly? Date(JsonElement root, string name)
    {
        string? text = String(root, name);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly d)
            ? d
            : throw new FormatException($"{name} must be a date as YYYY-MM-DD, not '{text}'");
    }
}
