using Microsoft.Extensions.Options;

namespace AgentRetrieval.Onnx.Clip;

/// <summary>Validates <see cref="ClipModelOptions"/> from its data annotations (source-generated).</summary>
[OptionsValidator]
internal sealed partial class ClipModelOptionsValidator : IValidateOptions<ClipModelOptions>;
