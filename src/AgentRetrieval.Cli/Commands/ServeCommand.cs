using System.CommandLine;
using AgentRetrieval.Agent;
using AgentRetrieval.Cli.Hosting;
using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Prompts;
using AgentRetrieval.Tools;
using AgentRetrieval.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRetrieval.Cli.Commands;

/// <summary><c>agentretrieval serve [folder-or-index]</c>: the chat page.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var target = new Argument<string?>("folder-or-index") { Description = "A folder of images (indexed first) or an index folder. Default: the configured index.", Arity = ArgumentArity.ZeroOrOne };
        var urls = new Option<string>("--urls") { Description = "Where to listen.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var llm = new Option<string?>("--llm") { Description = "Multimodal LLM: a manifest name installed with 'models pull' (phi-3.5-vision) or an ONNX Runtime GenAI folder." };
        var allowIndex = new Option<string[]>("--allow-index") { Description = "A folder the page may index (repeatable).", AllowMultipleArgumentsPerToken = true };
        var otlp = new Option<string?>("--otlp") { Description = "Export spans and metrics to this OpenTelemetry collector (OTLP, for example http://localhost:4317); also Telemetry:OtlpEndpoint." };
        var command = new Command("serve", "Serve the chat page: conversational image search in the browser.") { target, urls, llm, allowIndex, otlp };
        command.SetAction((result, ct) => CommandLine.RunAsync(async token =>
        {
            CliSettings settings = CliSettings.Load(CommandLine.Globals(result));
            if (result.GetValue(otlp) is { Length: > 0 } endpoint)
            {
                settings.Telemetry.OtlpEndpoint = endpoint;
            }

            using IDisposable? telemetry = TelemetryExport.Start(settings.Telemetry);
            CommandServices.UseLlmFolder(settings, result.GetValue(llm));

            WebOptions web = settings.Web;
            foreach (string f in result.GetValue(allowIndex) ?? [])
            {
                web.IndexableFolders.Add(CliSettings.ExpandPath(f));
            }

            using Encoders model = await ModelResolver.LoadEncodersAsync(settings, token);
            var text = model.Text;
            var images = model.Images;
            using EmbeddedImageIndex index = await CommandServices.OpenTargetAsync(settings, result.GetValue(target), model, token);
            using IChatClient? chat = ChatClientFactory.Create(settings);
            var prompts = new FilePromptProvider(FilePromptProvider.DefaultDirectory);
            var agent = AgentFactory.Create(settings, model, index, chat, prompts);
            IReadOnlyList<string>? scope = result.GetValue(target) is { } t && Directory.Exists(t) && !EmbeddedImageIndex.Exists(t) ? [Path.TrimEndingDirectorySeparator(Path.GetFullPath(t))] : null;

            // The MCP endpoint (/mcp) serves the same tools as `agentretrieval mcp`: it reads the served folder (or the
            // whole index) and Tools:ReadableFolders, and indexes only the folders the page may index.
            ImageToolsOptions toolOptions = settings.Tools;
            foreach (string f in web.IndexableFolders)
            {
                toolOptions.IndexableFolders.Add(f);
                toolOptions.ReadableFolders.Add(f);
            }

            foreach (string f in scope ?? [])
            {
                toolOptions.ReadableFolders.Add(f);
            }

            var tools = new ImageSearchTools(agent, index, images, model.Identity, prompts, settings.Indexing, toolOptions, chat);
            WatchStatus? watchStatus = scope is { Count: > 0 } ? new WatchStatus(scope) : null;
            var deps = new ChatWebDependencies(agent, index, model.Identity,
                web.IndexableFolders.Count == 0 ? null : () => new FolderIndexer(images, model.Identity, index, settings.Indexing, gazetteer: Places.Gazetteer),
                chat is null ? "none" : settings.Llm.ModelDirectory + settings.Llm.Endpoint, settings.Indexing.MaxPixels, scope, tools, watchStatus)
            {
                FollowUpPasses = (progress, ct) => TextRecognition.RunAsync(settings, index, ct, quiet: true, also: progress),
                Descriptions = chat is not null && settings.Agent.Describe ? new PassProgress("descriptions") : null,
                ModelNotice = model.Family == "offline-default"
                    ? $"Searching with the offline default model (ResNet-18 + MiniLM from NuGet packages), which is much weaker than CLIP. Install CLIP with: agentretrieval models pull {settings.Models.Default}"
                    : null,
            };
            string listen = result.GetValue(urls)!;
            WebApplication app = ChatWebApp.Build(deps, web, listen, b => b.Logging.SetMinimumLevel(LogLevel.Warning));
            try
            {
                await app.StartAsync(token);
            }
            catch (IOException ex) when (ex.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse } || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new SettingsException($"Cannot listen on {listen}: the address is already in use (another program, or another agentretrieval serve). Choose another port with --urls http://127.0.0.1:<port>.");
            }

            Ui.Info($"AgentRetrieval chat page: {listen} ({index.Count} images; Ctrl+C to stop); MCP over HTTP: {listen.TrimEnd('/')}/mcp");
            if (chat is null)
            {
                Ui.Info(ChatClientFactory.NoLlmHint);
            }

            await using TextRecognition.BackgroundPass textPass = TextRecognition.StartInBackground(settings, index, token);
            await using TextRecognition.BackgroundPass? describePass = Describer.StartInBackground(settings, index, chat, agent, token, deps.Descriptions);
            // The served folder is watched: photos added, changed, moved or deleted show up in searches within seconds.
            await using IAsyncDisposable? watcher = watchStatus is null ? null
                : Watching.Start(settings, index, model, watchStatus.Folders, null, Ui.Info, a => watchStatus.Activity = a, l => watchStatus.Last = l);
            try
            {
                await app.WaitForShutdownAsync(token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                // Ctrl+C: a normal way to stop the server.
            }
            finally
            {
                await app.StopAsync(CancellationToken.None);
            }

            return 0;
        }, ct));
        return command;
    }
}
