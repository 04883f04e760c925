using System.Text.RegularExpressions;

namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary><c>Replace</c>: every match of a literal string or a regular expression becomes <c>content</c>.</summary>
internal sealed class ReplaceNormalizer : INormalizer
{
    private readonly string? _literal;
    private readonly Regex? _regex;
    private readonly string _content;

    public ReplaceNormalizer(string? literal, Regex? regex, string content)
    {
        _literal = literal;
        _regex = regex;
        _content = content;
    }

    public string Normalize(string text)
    {
        if (_regex is not null)
        {
            // Literal replacement: '$' in the content means '$', as in the reference.
            return _regex.Replace(text, _ => _content);
        }

        return string.IsNullOrEmpty(_literal) ? text : text.Replace(_literal, _content, StringComparison.Ordinal);
    }
}
