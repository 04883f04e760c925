using System.ComponentModel.DataAnnotations;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>Which chat client the agent uses (section <c>Llm</c>).</summary>
internal sealed class LlmOptions
{
    public const string SectionName = "Llm";

    /// <summary><c>onnx</c>: a local ONNX Runtime GenAI model folder; <c>openai</c>: any OpenAI-compatible server (for example a local one).</summary>
    [RegularExpression("^(onnx|openai)$")]
    public string Provider { get; set; } = "onnx";

    /// <summary>
    /// For <c>onnx</c>: the model folder, or the name of a manifest LLM installed with <c>models pull</c> (for example
    /// <c>phi-3.5-vision</c>); empty means no LLM.
    /// </summary>
    public string ModelDirectory { get; set; } = "";

    /// <summary>For <c>openai</c>: the server's base address, such as http://127.0.0.1:8080/v1.</summary>
    public string Endpoint { get; set; } = "";

    /// <summary>For <c>openai</c>: the model name.</summary>
    public string Model { get; set; } = "";

    /// <summary>For <c>openai</c>: the API key (or the AGENTRETRIEVAL_Llm__ApiKey environment variable).</summary>
    public string ApiKey { get; set; } = "";

    /// <summary>For <c>openai</c>: how many calls may be in flight at once (the cascade judges candidates concurrently up to it).</summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>For <c>openai</c>: whether to ask for log-probabilities to read P("yes") (a server without them is detected and read as text).</summary>
    public bool Logprobs { get; set; } = true;

    [Range(256, 1_048_576)]
    public int MaxLength { get; set; } = 4096;

    [Range(256, 1_048_576)]
    public int? ContextLength { get; set; }
}
