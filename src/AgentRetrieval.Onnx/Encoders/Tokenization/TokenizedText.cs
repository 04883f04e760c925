namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>A text as a model receives it.</summary>
/// <param name="Ids">Token ids, special tokens and padding included.</param>
/// <param name="AttentionMask">1 for a real token, 0 for padding; as long as <paramref name="Ids"/>.</param>
/// <param name="Truncated">Whether tokens were cut off to fit the length.</param>
public sealed record TokenizedText(int[] Ids, int[] AttentionMask, bool Truncated);
