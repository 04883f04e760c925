using System.CommandLine;
using AgentRetrieval.Cli.Commands;
using AgentRetrieval.Cli.Hosting;

namespace AgentRetrieval.Cli;

/// <summary>The <c>agentretrieval</c> command tree.</summary>
internal static class CommandLine
{
    public static readonly Option<string?> Model = new("--model") { Description = "CLIP model folder in the public ONNX layout (default: the installed default model).", Recursive = true };
    public static readonly Option<string?> Variant = new("--variant") { Description = "Model weights: full, quantized or fp16.", Recursive = true };
    public static readonly Option<string?> Index = new("--index") { Description = "Index folder (default: Indexing:IndexDirectory).", Recursive = true };
    public static readonly Option<bool> Offline = new("--offline") { Description = "Never download; fail with instructions when the model is missing.", Recursive = true };
    public static readonly Option<int?> BatchSize = new("--batch-size") { Description = "Images embedded and committed together.", Recursive = true };
    public static readonly Option<long?> MaxPixels = new("--max-pixels") { Description = "Largest image (width x height) to decode; larger files are reported and skipped.", Recursive = true };
    public static readonly Option<bool> Json = new("--json") { Description = "Print JSON instead of tables.", Recursive = true };

    public static RootCommand Build()
    {
        var root = new RootCommand("agentretrieval: find your images by talking about them, on your own machine.");
        foreach (Option o in new Option[] { Model, Variant, Index, Offline, BatchSize, MaxPixels, Json })
        {
            root.Options.Add(o);
        }

        root.Subcommands.Add(IndexCommand.Create());
        root.Subcommands.Add(SearchCommand.Create());
        root.Subcommands.Add(EmbedCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(ChatCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(McpCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        return root;
    }

    public static GlobalOptionValues Globals(ParseResult result) => new(
        result.GetValue(Model), result.GetValue(Variant), result.GetValue(Index), result.GetValue(Offline),
        result.GetValue(BatchSize), result.GetValue(MaxPixels));

    /// <summary>Runs a command body with the errors a user can fix turned into one clear line and exit code 1.</summary>
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Ui.Error("Stopped. Work committed so far is kept; run the same command again to resume.");
            return 130;
        }
        catch (Exception ex) when (ex is SettingsException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException
            or Embeddings.ModelIdentityMismatchException or Imaging.InvalidImageException or HttpRequestException or KeyNotFoundException
            or UnauthorizedAccessException or ArgumentException)
        {
            Ui.Error(ex.Message);
            return 1;
        }
    }
}
