using System.Text;
using System.Text.RegularExpressions;

namespace AgentRetrieval.Prompts;

/// <summary>
/// A prompt file: a header (<c>name</c>, <c>version</c>), then a <c>[system]</c> and a <c>[user]</c> part with
/// <c>{{placeholders}}</c>. Values are data: any text that looks like a prompt tag is neutralised before it is inserted,
/// so user text and captions cannot close a data block or open a new instruction part.
/// </summary>
public sealed partial class PromptTemplate
{
    /// <summary>Stands for one image in a rendered prompt; <see cref="PromptMessages"/> replaces it with the image.</summary>
    public const string ImageMarker = "\u001F<image>\u001F";

    private PromptTemplate(string name, int version, string system, string user)
    {
        Name = name;
        Version = version;
        System = system;
        User = user;
    }

    /// <summary>The prompt's name (its file name without extension).</summary>
    public string Name { get; }

    /// <summary>The prompt's version, from its header.</summary>
    public int Version { get; }

    /// <summary>The system part, unrendered.</summary>
    public string System { get; }

    /// <summary>The user part, unrendered.</summary>
    public string User { get; }

    /// <summary>The placeholders the template uses.</summary>
    public IReadOnlySet<string> Placeholders =>
        new HashSet<string>(PlaceholderRegex().Matches(System + User).Select(m => m.Groups[1].Value), StringComparer.Ordinal);

    /// <summary>Parses a prompt file's text.</summary>
    /// <param name="name">The prompt's name.</param>
    /// <param name="text">The file's text.</param>
    /// <exception cref="InvalidDataException">The text lacks the [system] or [user] part.</exception>
    public static PromptTemplate Parse(string name, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        int version = 1;
        if (text.StartsWith("---\n", StringComparison.Ordinal))
        {
            int end = text.IndexOf("\n---\n", 4, StringComparison.Ordinal);
            if (end < 0)
            {
                throw new InvalidDataException($"Prompt '{name}': the header is not closed by '---'.");
            }

            foreach (string line in text[4..end].Split('\n'))
            {
                if (line.StartsWith("version:", StringComparison.Ordinal) && int.TryParse(line[8..].Trim(), out int v))
                {
                    version = v;
                }
            }

            text = text[(end + 5)..];
        }

        int s = text.IndexOf("[system]\n", StringComparison.Ordinal);
        int u = text.IndexOf("[user]\n", StringComparison.Ordinal);
        if (s < 0 || u < 0 || u < s)
        {
            throw new InvalidDataException($"Prompt '{name}' needs a [system] part followed by a [user] part.");
        }

        return new PromptTemplate(name, version, text[(s + 9)..u].TrimEnd('\n'), text[(u + 7)..].TrimEnd('\n'));
    }

    /// <summary>Renders both parts with the values, each neutralised as data.</summary>
    /// <param name="values">Placeholder values; a missing placeholder throws.</param>
    /// <returns>The system and user text.</returns>
    /// <exception cref="KeyNotFoundException">A placeholder has no value.</exception>
    public (string System, string User) Render(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return (Fill(System, values), Fill(User, values));
    }

    /// <summary>
    /// Makes a value safe to place inside a data block: tags such as <c>&lt;/dialogue&gt;</c> or <c>[system]</c> and
    /// chat-format control tokens such as <c>&lt;|end|&gt;</c> or <c>&lt;|image_1|&gt;</c> lose their brackets.
    /// </summary>
    /// <param name="value">Untrusted text.</param>
    /// <returns>The text as data.</returns>
    public static string AsData(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        string v = value.Replace(ImageMarker, "", StringComparison.Ordinal);
        v = ControlTokenRegex().Replace(v, m => "(" + m.Value.Trim('<', '>', '|') + ")");
        v = TagRegex().Replace(v, m => "(" + m.Groups[1].Value + ")");
        return PartRegex().Replace(v, m => "(" + m.Groups[1].Value + ")");
    }

    private string Fill(string template, IReadOnlyDictionary<string, string> values)
    {
        var sb = new StringBuilder(template.Length + 256);
        int last = 0;
        foreach (Match m in PlaceholderRegex().Matches(template))
        {
            sb.Append(template, last, m.Index - last);
            string key = m.Groups[1].Value;
            if (!values.TryGetValue(key, out string? value))
            {
                throw new KeyNotFoundException($"Prompt '{Name}' needs a value for '{{{{{key}}}}}'.");
            }

            // Image markers are the only values inserted verbatim: the agent makes them, never the user.
            sb.Append(key is "image" or "images" ? value : AsData(value));
            last = m.Index + m.Length;
        }

        sb.Append(template, last, template.Length - last);
        return sb.ToString();
    }

    [GeneratedRegex(@"\{\{([a-z_]+)\}\}")]
    private static partial Regex PlaceholderRegex();

    [GeneratedRegex(@"<\|[^|<>]{0,40}\|>")]
    private static partial Regex ControlTokenRegex();

    [GeneratedRegex(@"</?\s*([A-Za-z_][A-Za-z0-9_\-]{0,40})\s*/?>")]
    private static partial Regex TagRegex();

    [GeneratedRegex(@"\[(system|user|assistant)\]", RegexOptions.IgnoreCase)]
    private static partial Regex PartRegex();
}
