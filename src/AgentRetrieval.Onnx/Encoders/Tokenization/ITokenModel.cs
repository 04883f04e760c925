namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>A <c>tokenizer.json</c> model: turns one pre-tokenised piece into token ids.</summary>
internal interface ITokenModel
{
    void Tokenize(string piece, List<int> ids);

    int? TokenToId(string token);
}
