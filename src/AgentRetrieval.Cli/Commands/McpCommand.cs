using System.CommandLine;
using AgentRetrieval.Agent;
using AgentRetrieval.Cli.Hosting;
using AgentRetrieval.Indexing;
using AgentRetrieval.Mcp;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Prompts;
using AgentRetrieval.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AgentRetrieval.Cli.Commands;

/// <summary><c>agentretrieval mcp</c>: the image-search tools as a Model Context Protocol server over stdio.</summary>
internal static class McpCommand
{
    public static Command Create()
    {
        var allow = new Option<string[]>("--allow") { Description = "A folder whose images tool arguments may name (repeatable). Indexed images are always reachable by id.", AllowMultipleArgumentsPerToken = true };
        var allowIndex = new Option<string[]>("--allow-index") { Description = "A folder index_folder may index (repeatable). Without it, index_folder is off.", AllowMultipleArgumentsPerToken = true };
        var llm = new Option<string?>("--llm") { Description = "Multimodal LLM (a manifest name installed with 'models pull', or a folder) for describe_image and reranking." };
        var command = new Command("mcp", "Serve search_images, refine_search, find_similar, describe_image and index_folder to MCP hosts over stdio.") { allow, allowIndex, llm };
        command.SetAction((result, ct) => CommandLine.RunAsync(async token =>
        {
            CliSettings settings = CliSettings.Load(CommandLine.Globals(result));
            using IDisposable? telemetry = TelemetryExport.Start(settings.Telemetry);
            CommandServices.UseLlmFolder(settings, result.GetValue(llm));

            // Folders from the command line add to those configured in Tools:ReadableFolders / Tools:IndexableFolders.
            ImageToolsOptions toolOptions = settings.Tools;
            foreach (string f in result.GetValue(allow) ?? [])
            {
                toolOptions.ReadableFolders.Add(CliSettings.ExpandPath(f));
            }

            foreach (string f in result.GetValue(allowIndex) ?? [])
            {
                toolOptions.IndexableFolders.Add(CliSettings.ExpandPath(f));
                toolOptions.ReadableFolders.Add(CliSettings.ExpandPath(f));
            }

            using Encoders model = await ModelResolver.LoadEncodersAsync(settings, token);
            var text = model.Text;
            var images = model.Images;
            using EmbeddedImageIndex index = EmbeddedImageIndex.Open(settings.Indexing.IndexDirectory);
            CommandServices.WarmInBackground(index);
            using IChatClient? chat = ChatClientFactory.Create(settings);
            var prompts = new FilePromptProvider(FilePromptProvider.DefaultDirectory);
            settings.Agent.Clarify = false;
            var agent = AgentFactory.Create(settings, model, index, chat, prompts);
            var tools = new ImageSearchTools(agent, index, images, model.Identity, prompts, settings.Indexing, toolOptions, chat);

            HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            // Standard output carries the protocol: every log line goes to standard error.
            builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton(tools);
            using var stdio = new JsonRpcLineStreams(Console.OpenStandardInput(), Console.OpenStandardOutput());
            builder.Services.AddMcpServer(o => o.ServerInfo = new() { Name = "agentretrieval", Version = "1.0" })
                .WithStreamServerTransport(stdio.Input, stdio.Output)
                .WithAgentRetrieval();
            Ui.Info($"agentretrieval MCP server on stdio: index {settings.Indexing.IndexDirectory} ({index.Count} images), model {model.Identity.Key}.");
            // The folders index_folder may index are watched: photos added there later are indexed without a call.
            string[] watched = [.. (result.GetValue(allowIndex) ?? []).Select(CliSettings.ExpandPath).Where(Directory.Exists)];
            await using IAsyncDisposable? watcher = watched.Length == 0 ? null : Watching.Start(settings, index, model, watched, [.. toolOptions.IndexableFolders], Ui.Info);
            await builder.Build().RunAsync(token);
            return 0;
        }, ct));
        return command;
    }
}
