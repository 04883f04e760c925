namespace AgentRetrieval.Onnx.Encoders;

/// <summary>What is done to a text before it is tokenized.</summary>
public enum TextCleaningMode
{
    /// <summary>Nothing: the text as given (the transformers reference).</summary>
    None,

    /// <summary>White-space runs become one space, none at the ends (Immich's <c>clean_text</c>).</summary>
    Whitespace,

    /// <summary>White space collapsed, then ASCII punctuation removed and lower-cased (Immich's and open_clip's <c>canonicalize</c>, used for SigLIP).</summary>
    Canonicalize,
}
