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
    public static readonly Option<bool> Offline = new("--offline") { Description = "Never download: use the installed model, else the offline default (ResNet-18 + MiniLM, built from NuGet packages).", Recursive = true };
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
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            // A full disk, a read-only or locked catalogue: one clear line; every batch committed before is kept.
            Ui.Error(ex.SqliteErrorCode switch
            {
                13 => "The disk is full: the index could not be written. Everything committed before is kept; free some space and run the same command again.",
                8 => "The index is read-only here: it could not be written. Check the permissions of the index folder (or pass --index <folder>).",
                5 or 6 => "The index is busy (another agentretrieval process is writing to it). Try again when it has finished.",
                11 or 26 => $"The index catalogue is damaged ({ex.Message.TrimEnd('.')}). Run 'agentretrieval index <folder> --rebuild' to start it over, or 'agentretrieval index --verify' for a report.",
                _ => $"The index could not be read or written: {ex.Message}",
            });
            return 1;
        }
        catch (IOException ex) when (ex.HResult == 28 || ex.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase))
        {
            Ui.Error("The disk is full: " + ex.Message + " Everything committed before is kept; free some space and run the same command again.");
            return 1;
        }
    }
}
