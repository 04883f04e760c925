namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>What a split does with the delimiters it finds (the reference's <c>SplitDelimiterBehavior</c>).</summary>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}
