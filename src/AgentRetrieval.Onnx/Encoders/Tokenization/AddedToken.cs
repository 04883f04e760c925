namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>A token of <c>added_tokens</c>: split off whole before the model runs.</summary>
/// <param name="Content">Its text.</param>
/// <param name="Id">Its id.</param>
/// <param name="LStrip">Eat white space on its left.</param>
/// <param name="RStrip">Eat white space on its right.</param>
/// <param name="Normalized">Matched on the normalised text (else on the raw text, before normalisation).</param>
internal sealed record AddedToken(string Content, int Id, bool LStrip, bool RStrip, bool Normalized);
