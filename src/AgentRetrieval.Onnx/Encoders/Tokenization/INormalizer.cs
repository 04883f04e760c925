namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>A <c>tokenizer.json</c> normaliser: rewrites the text before it is split and tokenized.</summary>
internal interface INormalizer
{
    string Normalize(string text);
}
