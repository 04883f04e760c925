using System.ClientModel;
using AgentRetrieval.Onnx.Generation;
using Microsoft.Extensions.AI;
using OpenAI;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>Makes the configured <see cref="IChatClient"/>: the in-process ONNX Runtime GenAI model, or an OpenAI-compatible server.</summary>
internal static class ChatClientFactory
{
    public static IChatClient? Create(LlmOptions options, long maxPixels)
    {
        if (options.Provider == "openai")
        {
            if (string.IsNullOrWhiteSpace(options.Endpoint) || string.IsNullOrWhiteSpace(options.Model))
            {
                throw new SettingsException("Llm:Provider is 'openai' but Llm:Endpoint or Llm:Model is empty.");
            }

            var client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "none" : options.ApiKey),
                new OpenAIClientOptions { Endpoint = new Uri(options.Endpoint) });
            return WithTelemetry(client.GetChatClient(options.Model).AsIChatClient());
        }

        if (string.IsNullOrWhiteSpace(options.ModelDirectory))
        {
            return null;
        }

        return WithTelemetry(new GenAIChatClient(new GenAIChatClientOptions
        {
            ModelDirectory = CliSettings.ExpandPath(options.ModelDirectory),
            MaxLength = options.MaxLength,
            ContextLength = options.ContextLength,
            MaxPixels = maxPixels,
        }));
    }

    /// <summary>
    /// Microsoft.Extensions.AI's OpenTelemetry middleware: a span and token metrics per LLM call under the product's
    /// source name (no prompt or image content is recorded). Disposing the result disposes the model.
    /// </summary>
    private static IChatClient WithTelemetry(IChatClient inner) =>
        new ChatClientBuilder(inner).UseOpenTelemetry(sourceName: AgentRetrieval.Telemetry.AgentTelemetry.Name).Build();
}
