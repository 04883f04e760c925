using System.Globalization;
using System.Text;
using AgentRetrieval.Indexing;

namespace AgentRetrieval.Reranking;

/// <summary>What is known about a candidate without looking at it: the LLM's description, the recognised text, date, place, camera, file name.</summary>
/// <param name="Description">The description record's text, or null when the image has not been described.</param>
/// <param name="Text">The text recognised in the picture, or null.</param>
/// <param name="Facts">Date, place and camera in words, or "".</param>
/// <param name="FileWords">The file and folder names as words.</param>
public sealed record CandidateEvidence(string? Description, string? Text, string Facts, string FileWords)
{
    /// <summary>Whether there is anything beyond the file name to judge by.</summary>
    public bool HasEvidence => Description is not null || Text is not null || Facts.Length > 0;

    /// <summary>Reads a candidate's evidence from the catalogue.</summary>
    /// <param name="entry">The catalogue entry (null: nothing known).</param>
    /// <param name="path">The candidate's file.</param>
    public static CandidateEvidence From(CatalogEntry? entry, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var facts = new List<string>();
        if (entry?.Metadata?.TakenAt is { } taken)
        {
            facts.Add("taken " + taken.ToString("d MMMM yyyy", CultureInfo.InvariantCulture));
        }

        if (entry?.Place?.DisplayName is { Length: > 0 } place)
        {
            facts.Add("in " + place);
        }

        if (entry?.Metadata?.Camera is { Length: > 0 } camera)
        {
            facts.Add("with a " + camera);
        }

        return new CandidateEvidence(
            entry?.Description is { Length: > 0 } d ? d : null,
            entry?.Text is { Length: > 0 } t ? t : null,
            string.Join(", ", facts),
            EmbeddedImageIndex.NameWords(path));
    }

    /// <summary>The evidence as the LLM's text judge reads it (labelled lines, each value cut to a sensible length).</summary>
    public string ForLlm()
    {
        var sb = new StringBuilder();
        sb.Append("Description: ").Append(Cut(Description, 500) ?? "(not described yet)").Append('\n');
        if (Text is not null)
        {
            sb.Append("Text in the picture: ").Append(Cut(Text, 200)).Append('\n');
        }

        if (Facts.Length > 0)
        {
            sb.Append("Facts: ").Append(Facts).Append('\n');
        }

        sb.Append("File: ").Append(Cut(FileWords, 120));
        return sb.ToString();
    }

    /// <summary>The evidence as one passage for a sentence encoder (descriptive words first).</summary>
    public string ForEmbedding() => string.Join(". ", new[] { Description, Text, Facts, FileWords }.Where(x => !string.IsNullOrWhiteSpace(x)).Select(x => Cut(x, 400)));

    private static string? Cut(string? s, int max) => s is null ? null : s.Length <= max ? s : s[..max] + "…";
}
