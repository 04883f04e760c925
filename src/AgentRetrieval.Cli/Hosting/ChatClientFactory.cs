using System.ClientModel;
using AgentRetrieval.Models;
using AgentRetrieval.Onnx.Generation;
using Microsoft.Extensions.AI;
using OpenAI;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>Makes the configured <see cref="IChatClient"/>: the in-process ONNX Runtime GenAI model, or an OpenAI-compatible server.</summary>
internal static class ChatClientFactory
{
    /// <summary>The LLM a user installs first (the manifest's CPU build of Phi-3.5-vision).</summary>
    public const string SuggestedModel = "phi-3.5-vision";

    /// <summary>The one line chat and serve print without an LLM: what it would add and how to install it.</summary>
    public static string NoLlmHint =>
        $"No multimodal LLM: requests are read by rules, photos are not described and results are not reranked. A local one adds all three: agentretrieval models pull {SuggestedModel} (3.2 GB), then --llm {SuggestedModel}.";

    public static IChatClient? Create(CliSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        LlmOptions options = settings.Llm;
        if (options.Provider == "openai")
        {
            if (string.IsNullOrWhiteSpace(options.Endpoint) || string.IsNullOrWhiteSpace(options.Model))
            {
                throw new SettingsException("Llm:Provider is 'openai' but Llm:Endpoint or Llm:Model is empty.");
            }

            var client = new OpenAIClient(new ApiKeyCredential(string.IsNullOrEmpty(options.ApiKey) ? "none" : options.ApiKey),
                new OpenAIClientOptions { Endpoint = new Uri(options.Endpoint) });
            // Outermost first: telemetry, then P("yes") from log-probabilities, then the concurrency limit.
            return new ChatClientBuilder(client.GetChatClient(options.Model).AsIChatClient())
                .UseOpenTelemetry(sourceName: AgentRetrieval.Telemetry.AgentTelemetry.Name)
                .UseLogprobScoring(options.Logprobs)
                .UseConcurrencyLimit(options.MaxConcurrency)
                .Build();
        }

        if (ResolveFolder(settings) is not { } folder)
        {
            return null;
        }

        return WithTelemetry(new GenAIChatClient(new GenAIChatClientOptions
        {
            ModelDirectory = folder,
            MaxLength = options.MaxLength,
            ContextLength = options.ContextLength,
            MaxPixels = settings.Indexing.MaxPixels,
        }));
    }

    /// <summary>
    /// The ONNX Runtime GenAI folder Llm:ModelDirectory (or --llm) names: a folder, or a manifest LLM installed with
    /// <c>models pull</c> (its variant's folder inside the download). A manifest LLM also sets the image sizes the
    /// agent shows it (judging and describing). Null when none is configured.
    /// </summary>
    /// <exception cref="SettingsException">A named LLM is not installed (says how to install it).</exception>
    public static string? ResolveFolder(CliSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        string configured = settings.Llm.ModelDirectory;
        if (string.IsNullOrWhiteSpace(configured))
        {
            return null;
        }

        ModelEntry? entry = null;
        string? download = null;
        if (configured.IndexOfAny(['/', '\\']) < 0 && !configured.StartsWith('~') && !Directory.Exists(configured) && File.Exists(settings.ManifestPath))
        {
            entry = ModelManifest.Load(settings.ManifestPath).Models.FirstOrDefault(m => m.Kind == "llm" && string.Equals(m.Name, configured, StringComparison.OrdinalIgnoreCase));
            if (entry is null)
            {
                string[] known = [.. ModelManifest.Load(settings.ManifestPath).Models.Where(m => m.Kind == "llm").Select(m => m.Name)];
                throw new SettingsException($"'{configured}' is neither a folder nor an LLM of the manifest (LLMs: {string.Join(", ", known)}).");
            }

            download = Path.Combine(settings.Models.Directory, entry.Name);
            if (!ModelDownloader.IsInstalled(download))
            {
                throw new SettingsException($"The LLM '{entry.Name}' is not installed. Install it with: agentretrieval models pull {entry.Name} (about {entry.SizeMbOf(entry.ChooseVariant(null)) / 1000:0.#} GB).");
            }
        }
        else
        {
            download = CliSettings.ExpandPath(configured);
            if (Directory.Exists(download) && !File.Exists(Path.Combine(download, "genai_config.json")) && ModelDownloader.InstalledVariant(download) is not null && File.Exists(settings.ManifestPath))
            {
                // The download folder of a pulled LLM, given as a path: the model is in its variant's folder.
                string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(download));
                entry = ModelManifest.Load(settings.ManifestPath).Models.FirstOrDefault(m => m.Kind == "llm" && string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));
            }

            if (entry is null)
            {
                return download;
            }
        }

        string variant = ModelDownloader.InstalledVariant(download) ?? entry.ChooseVariant(null);
        if (entry.Llm is { } usage)
        {
            settings.Agent.JudgeImageSide = usage.JudgeImageSide;
            settings.Agent.DescribeImageSide = usage.DescribeImageSide;
            settings.Llm.ContextLength ??= usage.ContextLength > settings.Llm.MaxLength ? usage.ContextLength : null;
        }

        return entry.ModelDirectoryIn(download, variant);
    }

    /// <summary>
    /// Microsoft.Extensions.AI's OpenTelemetry middleware: a span and token metrics per LLM call under the product's
    /// source name (no prompt or image content is recorded). Disposing the result disposes the model.
    /// </summary>
    private static IChatClient WithTelemetry(IChatClient inner) =>
        new ChatClientBuilder(inner).UseOpenTelemetry(sourceName: AgentRetrieval.Telemetry.AgentTelemetry.Name).Build();
}
