namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary><c>Strip</c>: white space off the left and/or right end.</summary>
internal sealed class StripNormalizer(bool left, bool right) : INormalizer
{
    public string Normalize(string text)
    {
        int start = 0, end = text.Length;
        while (left && start < end && char.IsWhiteSpace(text[start]))
        {
            start++;
        }

        while (right && end > start && char.IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        return text[start..end];
    }
}
