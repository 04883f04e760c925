namespace AgentRetrieval.Onnx.Encoders;

/// <summary>Which kind of dual-encoder a model folder holds.</summary>
public enum ModelFamily
{
    /// <summary>OpenAI CLIP and OpenCLIP models trained with the softmax (contrastive) loss.</summary>
    Clip,

    /// <summary>SigLIP and SigLIP 2 (sigmoid loss: scores map to match probabilities with the model's scale and bias).</summary>
    Siglip,

    /// <summary>Multilingual CLIP: an XLM-RoBERTa text tower mapped into a CLIP image model's space.</summary>
    MClip,
}
