using AgentRetrieval.Indexing;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>Steps several commands share.</summary>
internal static class CommandServices
{
    /// <summary>Makes <c>--llm &lt;folder&gt;</c> win over the configured LLM.</summary>
    public static void UseLlmFolder(CliSettings settings, string? folder)
    {
        if (folder is not null)
        {
            settings.Llm.Provider = "onnx";
            settings.Llm.ModelDirectory = folder;
        }
    }

    /// <summary>
    /// Opens the index a <c>[folder-or-index]</c> argument names: an index folder is opened as it is; a folder of
    /// images is indexed (incrementally) into the configured index first; nothing means the configured index.
    /// </summary>
    public static async Task<EmbeddedImageIndex> OpenTargetAsync(CliSettings settings, string? target, Encoders model, CancellationToken token)
    {
        string indexDir = settings.Indexing.IndexDirectory;
        string? folder = null;
        if (target is not null)
        {
            if (EmbeddedImageIndex.Exists(target))
            {
                indexDir = Path.GetFullPath(target);
            }
            else if (Directory.Exists(target))
            {
                folder = target;
            }
            else
            {
                throw new SettingsException($"'{target}' is neither a folder nor an index.");
            }
        }

        EmbeddedImageIndex index = EmbeddedImageIndex.Open(indexDir);
        try
        {
            if (folder is not null)
            {
                IndexReport report = await new FolderIndexer(model.Images, model.Identity, index, settings.Indexing, gazetteer: Places.Gazetteer).IndexAsync(folder, null, token);
                Ui.Info($"Indexed {report.Root}: {report.Found - report.Skipped.Count} images in this folder ({report.Embedded} new, {report.Skipped.Count} skipped); the index holds {report.IndexedImages} in all.");
            }

            WarmInBackground(index);
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A long-running host (chat, serve, mcp) maps the index's vector files ahead in the background, so that its searches
    /// of a large library take no page faults on random rows. Best effort: a failure changes nothing but speed.
    /// </summary>
    public static void WarmInBackground(EmbeddedImageIndex index) => _ = Task.Run(() =>
    {
        try
        {
            index.WarmUp();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or IOException or InvalidOperationException or Microsoft.Data.Sqlite.SqliteException or OutOfMemoryException)
        {
            // Closed meanwhile, the files changed under it, or no memory for the copies: searches read the files themselves.
        }
    });
}
