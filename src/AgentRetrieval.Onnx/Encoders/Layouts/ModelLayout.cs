namespace AgentRetrieval.Onnx.Encoders.Layouts;

/// <summary>Where a model folder's files are, as published.</summary>
public enum ModelLayout
{
    /// <summary>Hugging Face / transformers.js: <c>onnx/text_model.onnx</c>, <c>onnx/vision_model.onnx</c>, <c>tokenizer.json</c>, <c>preprocessor_config.json</c>, <c>config.json</c>.</summary>
    TransformersJs,

    /// <summary>Immich: <c>config.json</c> (open_clip), <c>textual/model.onnx</c> + tokenizer files, <c>visual/model.onnx</c> + <c>preprocess_cfg.json</c>.</summary>
    Immich,
}
