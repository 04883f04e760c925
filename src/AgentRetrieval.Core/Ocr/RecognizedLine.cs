namespace AgentRetrieval.Ocr;

/// <summary>One line of text recognised in a picture.</summary>
/// <param name="Text">The text.</param>
/// <param name="Confidence">The recogniser's mean per-character probability, in [0, 1].</param>
public sealed record RecognizedLine(string Text, float Confidence);
