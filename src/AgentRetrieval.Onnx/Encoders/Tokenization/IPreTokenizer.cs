namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>A <c>tokenizer.json</c> pre-tokeniser: splits normalised text into the pieces the model tokenizes one by one.</summary>
internal interface IPreTokenizer
{
    /// <summary>Splits each piece further; <paramref name="first"/> says whether the input began the whole text.</summary>
    List<string> PreTokenize(List<string> pieces, bool first);
}
