using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentRetrieval.Describing;

/// <summary>
/// What the multimodal LLM wrote about one image at index time (as Immich does with Qwen2.5-VL): a short description,
/// the objects, the visible text and tags. Validated against a small schema; a model that does not manage JSON leaves a
/// plain description (<see cref="Structured"/> false).
/// </summary>
public sealed record DescriptionRecord
{
    /// <summary>The longest description kept, in characters.</summary>
    public const int MaxDescriptionCharacters = 400;

    /// <summary>The most items kept per list.</summary>
    public const int MaxItems = 24;

    /// <summary>The longest list item kept, in characters.</summary>
    public const int MaxItemCharacters = 80;

    private static readonly JsonSerializerOptions s_json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.Never, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One or two sentences about the image.</summary>
    [JsonPropertyName("description")]
    public string Description { get; init; } = "";

    /// <summary>The things in it.</summary>
    [JsonPropertyName("objects")]
    public IReadOnlyList<string> Objects { get; init; } = [];

    /// <summary>The text visible in it.</summary>
    [JsonPropertyName("visible_text")]
    public IReadOnlyList<string> VisibleText { get; init; } = [];

    /// <summary>Short tags (scene, season, colours, activity).</summary>
    [JsonPropertyName("tags")]
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Whether the model's answer was valid against the schema (false: its text kept as a plain description).</summary>
    [JsonPropertyName("structured")]
    public bool Structured { get; init; } = true;

    /// <summary>The record as stored.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>The searchable and judgeable text: the description, then the objects, the visible text and the tags.</summary>
    public string SearchText()
    {
        var sb = new StringBuilder(Description);
        foreach (IReadOnlyList<string> list in new[] { Objects, VisibleText, Tags })
        {
            if (list.Count > 0)
            {
                sb.Append('\n').AppendJoin(", ", list);
            }
        }

        return sb.ToString();
    }

    /// <summary>A plain description made from a model answer that is not a valid record.</summary>
    /// <param name="answer">The model's answer.</param>
    public static DescriptionRecord Plain(string answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return new DescriptionRecord { Description = Clean(answer, MaxDescriptionCharacters), Structured = false };
    }

    /// <summary>Reads a stored record (or a legacy plain text).</summary>
    /// <param name="json">The stored JSON.</param>
    public static DescriptionRecord FromStored(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<DescriptionRecord>(json, s_json) ?? Plain(json);
        }
        catch (JsonException)
        {
            return Plain(json);
        }
    }

    /// <summary>
    /// Validates a model's answer against the schema: one JSON object (fences and text around it are tolerated) with a
    /// non-empty string <c>description</c> and, optionally, lists of strings <c>objects</c>, <c>visible_text</c> and
    /// <c>tags</c> (a single string is taken as a list of one). Over-long values are cut, control characters removed.
    /// </summary>
    /// <param name="answer">The model's answer.</param>
    /// <param name="record">The record, when valid.</param>
    /// <param name="error">Why it is not valid (for the retry prompt), else "".</param>
    /// <returns>Whether the answer is a valid record.</returns>
    public static bool TryParse(string answer, out DescriptionRecord record, out string error)
    {
        ArgumentNullException.ThrowIfNull(answer);
        record = new DescriptionRecord();
        int start = answer.IndexOf('{', StringComparison.Ordinal), end = answer.LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            error = "the answer holds no JSON object";
            return false;
        }

        try
        {
            using var doc = JsonDocument.Parse(answer.AsMemory(start, end - start + 1), new JsonDocumentOptions { MaxDepth = 8, AllowTrailingCommas = true });
            JsonElement root = doc.RootElement;
            if (!root.TryGetProperty("description", out JsonElement d) || d.ValueKind != JsonValueKind.String || Clean(d.GetString()!, MaxDescriptionCharacters) is not { Length: > 0 } description)
            {
                error = "\"description\" must be a non-empty string";
                return false;
            }

            string? listError = null;
            IReadOnlyList<string> List(string name)
            {
                if (!root.TryGetProperty(name, out JsonElement e) || e.ValueKind == JsonValueKind.Null)
                {
                    return [];
                }

                if (e.ValueKind == JsonValueKind.String)
                {
                    return Clean(e.GetString()!, MaxItemCharacters) is { Length: > 0 } one ? [one] : [];
                }

                if (e.ValueKind != JsonValueKind.Array || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
                {
                    listError ??= $"\"{name}\" must be a list of strings";
                    return [];
                }

                return [.. e.EnumerateArray().Select(x => Clean(x.GetString()!, MaxItemCharacters)).Where(x => x.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).Take(MaxItems)];
            }

            record = new DescriptionRecord
            {
                Description = description,
                Objects = List("objects"),
                VisibleText = root.TryGetProperty("visible_text", out _) ? List("visible_text") : List("text"),
                Tags = List("tags"),
            };
            error = listError ?? "";
            return listError is null;
        }
        catch (JsonException ex)
        {
            error = "the JSON is not valid: " + ex.Message.Split('.')[0];
            return false;
        }
    }

    private static string Clean(string text, int max)
    {
        var sb = new StringBuilder(Math.Min(text.Length, max));
        foreach (char c in text)
        {
            if (sb.Length >= max)
            {
                break;
            }

            sb.Append(char.IsControl(c) ? ' ' : c);
        }

        return string.Join(' ', sb.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries)).Trim('"', '`', ' ');
    }
}
