using System.Collections.Frozen;
using System.Reflection;
using System.Text;

namespace AgentRetrieval.Metadata;

/// <summary>
/// ISO 3166-1 country names and the aliases people type ("USA", "UK", "Holland"), from the table shipped in this
/// assembly (<c>countries.tsv</c>; names from ICU's region data). The gazetteer holds country codes only.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public static class CountryNames
{
    private static readonly Lazy<(FrozenDictionary<string, string> Names, FrozenDictionary<string, string> ByName)> s_table = new(Load);

    /// <summary>The English name of a country code, or the code itself when unknown.</summary>
    /// <param name="code">An ISO 3166-1 alpha-2 code.</param>
    public static string NameOf(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return s_table.Value.Names.TryGetValue(code.ToUpperInvariant(), out string? name) ? name : code;
    }

    /// <summary>The code of a country name or alias ("Japan", "USA", "the Netherlands"), or null.</summary>
    /// <param name="name">What the user typed.</param>
    public static string? CodeOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return s_table.Value.ByName.TryGetValue(Normalize(name), out string? code) ? code : null;
    }

    /// <summary>Every (name or alias, code) pair, for matching in free text.</summary>
    public static IEnumerable<KeyValuePair<string, string>> AllNames => s_table.Value.ByName;

    /// <summary>Lower-case, accents removed, "the " dropped, single spaces: how names are compared.</summary>
    /// <param name="text">A name.</param>
    public static string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        // ASCII has nothing to decompose: skipping the Unicode call keeps loading the gazetteer's 130,000 names fast.
        string decomposed = trimmed.AsSpan().ContainsAnyExceptInRange('\0', '\u007F') ? trimmed.Normalize(NormalizationForm.FormD) : trimmed;

        // Each kept character stands for one read, and a space for a skipped one before it: never longer than the input.
        Span<char> buffer = decomposed.Length <= 256 ? stackalloc char[decomposed.Length] : new char[decomposed.Length];
        int length = 0;
        bool space = false;
        foreach (char c in decomposed)
        {
            if (c > '\u007F' && System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsWhiteSpace(c) || c is '-' or '_')
            {
                space = length > 0;
                continue;
            }

            if (c is '.' or '\'' or '’')
            {
                continue;
            }

            if (space)
            {
                buffer[length++] = ' ';
                space = false;
            }

            buffer[length++] = char.ToLowerInvariant(c);
        }

        ReadOnlySpan<char> normal = buffer[..length];
        return new string(normal.StartsWith("the ", StringComparison.Ordinal) ? normal[4..] : normal);
    }

    private static (FrozenDictionary<string, string>, FrozenDictionary<string, string>) Load()
    {
        using Stream stream = typeof(CountryNames).Assembly.GetManifestResourceStream("AgentRetrieval.Metadata.countries.tsv")
            ?? throw new InvalidOperationException("The country table is missing from the assembly.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            string[] parts = line.Split('\t');
            names[parts[0]] = parts[1];
            byName.TryAdd(Normalize(parts[1]), parts[0]);
            if (parts.Length > 2)
            {
                foreach (string alias in parts[2].Split('|', StringSplitOptions.RemoveEmptyEntries))
                {
                    byName.TryAdd(Normalize(alias), parts[0]);
                }
            }
        }

        return (names.ToFrozenDictionary(StringComparer.Ordinal), byName.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
