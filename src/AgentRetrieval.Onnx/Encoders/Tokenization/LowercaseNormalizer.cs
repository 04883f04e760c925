namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary><c>Lowercase</c>: each character's full lower-case mapping (as Rust's <c>char::to_lowercase</c>: İ becomes i + U+0307, no final-sigma rule).</summary>
internal sealed class LowercaseNormalizer : INormalizer
{
    public string Normalize(string text) => UnicodeText.ToLowerFull(text, finalSigma: false);
}
