using System.CommandLine;
using System.Diagnostics;
using AgentRetrieval.Cli.Hosting;
using AgentRetrieval.Describing;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Clip;
using Spectre.Console;

namespace AgentRetrieval.Cli.Commands;

/// <summary><c>agentretrieval index &lt;folder&gt;</c>: brings the index up to date with a folder tree.</summary>
internal static class IndexCommand
{
    public static Command Create()
    {
        var folder = new Argument<string?>("folder") { Description = "The folder of images to index (recursively).", Arity = ArgumentArity.ZeroOrOne };
        var verify = new Option<bool>("--verify") { Description = "Check the index (integrity, every vector, files on disk) and report; damaged vectors are embedded again by the next run." };
        var rebuild = new Option<bool>("--rebuild") { Description = "Drop the index's vectors first (needed after changing the model)." };
        var codes = new Option<int?>("--codes") { Description = "Also learn and store binary codes of this many bits (ITQ), for 'search --codes'." };
        var noOcr = new Option<bool>("--no-ocr") { Description = "Skip the text-in-pictures pass (Indexing:Ocr=false)." };
        var describe = new Option<bool>("--describe") { Description = "Then have the multimodal LLM (--llm or Llm:ModelDirectory) describe every photo not described yet, most recent first: resumable, with progress and ETA." };
        var describeLimit = new Option<int?>("--describe-limit") { Description = "Describe at most this many photos in this run." };
        var describeBudget = new Option<double?>("--describe-minutes") { Description = "Stop describing after this many minutes (the next run resumes)." };
        var llm = new Option<string?>("--llm") { Description = "The multimodal LLM for --describe: a manifest name installed with 'models pull', or a folder." };
        var watch = new Option<bool>("--watch") { Description = "After indexing, keep watching the folder and index new, changed, moved and deleted photos as they come (Ctrl+C stops)." };
        var command = new Command("index", "Index a folder of images: new and changed files are embedded (with their date, place and camera), moved files are recognised, deleted ones removed; then the text in the pictures is read.")
        {
            folder, rebuild, codes, noOcr, verify, watch, describe, describeLimit, describeBudget, llm,
        };
        command.SetAction((result, ct) => CommandLine.RunAsync(async token =>
        {
            CliSettings settings = CliSettings.Load(CommandLine.Globals(result));
            using IDisposable? telemetry = TelemetryExport.Start(settings.Telemetry);
            bool json = result.GetValue(CommandLine.Json);
            if (result.GetValue(verify))
            {
                return VerifyIndex(settings.Indexing.IndexDirectory, json);
            }

            string path = result.GetValue(folder) ?? throw new SettingsException("Give the folder of images to index, for example: agentretrieval index ~/Pictures (or --verify to check the index).");
            if (File.Exists(path))
            {
                throw new SettingsException($"'{path}' is a file; give the folder that holds your images (index works on folders, recursively).");
            }

            if (!Directory.Exists(path))
            {
                throw new SettingsException($"The folder '{path}' does not exist.");
            }

            using Encoders model = await ModelResolver.LoadEncodersAsync(settings, token);
            var encoder = model.Images;
            if (result.GetValue(rebuild))
            {
                // Whatever state the catalogue is in (even damaged pages), --rebuild starts over.
                EmbeddedImageIndex.DeleteFiles(settings.Indexing.IndexDirectory);
            }

            using EmbeddedImageIndex index = EmbeddedImageIndex.Open(settings.Indexing.IndexDirectory);
            if (!result.GetValue(rebuild) && index.Model is { } existing && index.Count > 0 && !existing.IsCompatibleWith(model.Identity))
            {
                throw new ModelIdentityMismatchException(existing, model.Identity);
            }

            var indexer = new FolderIndexer(encoder, model.Identity, index, settings.Indexing, gazetteer: Places.Gazetteer);
            IndexReport report = await RunWithProgressAsync(indexer, path, json, token);
            if (result.GetValue(noOcr))
            {
                settings.Indexing.Ocr = false;
            }

            TextPassReport? text = await TextRecognition.RunAsync(settings, index, token);
            if (result.GetValue(codes) is int bits)
            {
                try
                {
                    Ui.Info($"learned {bits}-bit codes: {index.BuildBinaryCodes(bits)}");
                }
                catch (InvalidOperationException ex)
                {
                    throw new SettingsException(ex.Message);
                }
            }
            DescribePassReport? described = null;
            if (result.GetValue(describe))
            {
                CommandServices.UseLlmFolder(settings, result.GetValue(llm));
                using Microsoft.Extensions.AI.IChatClient chat = ChatClientFactory.Create(settings)
                    ?? throw new SettingsException($"--describe needs a multimodal LLM: {ChatClientFactory.NoLlmHint}");
                double? minutes = result.GetValue(describeBudget);
                described = await Describer.RunAsync(settings, index, chat, token, quiet: json,
                    budget: minutes is double m ? TimeSpan.FromMinutes(m) : null, limit: result.GetValue(describeLimit));
            }

            Print(report, text, json, settings.Indexing.IndexDirectory, model.Identity, described);
            if (result.GetValue(watch))
            {
                await using IAsyncDisposable watcher = Watching.Start(settings, index, model, [path], null, Ui.Info);
                try
                {
                    await Task.Delay(Timeout.Infinite, token);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // Ctrl+C: the normal way to stop watching; what was indexed is committed.
                }
            }

            return 0;
        }, ct));
        return command;
    }

    private static int VerifyIndex(string directory, bool json)
    {
        if (!EmbeddedImageIndex.Exists(directory))
        {
            throw new SettingsException($"There is no index in '{directory}'.");
        }

        IndexVerifyReport report;
        using (EmbeddedImageIndex index = EmbeddedImageIndex.Open(directory))
        {
            report = index.Verify();
        }

        if (json)
        {
            JsonOutput.Write(new
            {
                index = directory,
                healthy = report.Healthy,
                images = report.Images,
                files = report.Files,
                integrity_problems = report.IntegrityProblems,
                invalid_vectors = report.InvalidVectors,
                missing_files = report.MissingFiles,
            });
        }
        else
        {
            Ui.Out.WriteLine($"Index {directory}: {report.Images} images, {report.Files} files.");
            Ui.Out.WriteLine(report.IntegrityProblems.Count == 0 ? "  integrity: ok" : $"  integrity: {report.IntegrityProblems.Count} problems (run index <folder> --rebuild): {string.Join("; ", report.IntegrityProblems.Take(5))}");
            Ui.Out.WriteLine(report.InvalidVectors.Count == 0 ? "  vectors: all valid" : $"  vectors: {report.InvalidVectors.Count} damaged, never served; the next index run embeds them again: {string.Join("; ", report.InvalidVectors.Take(5))}");
            Ui.Out.WriteLine(report.MissingFiles.Count == 0 ? "  files: all on disk" : $"  files: {report.MissingFiles.Count} no longer on disk; the next index run of their folder removes them: {string.Join("; ", report.MissingFiles.Take(5))}");
        }

        return report.Healthy ? 0 : 1;
    }

    private static async Task<IndexReport> RunWithProgressAsync(FolderIndexer indexer, string path, bool json, CancellationToken token)
    {
        if (!Ui.Interactive || json)
        {
            var sw = Stopwatch.StartNew();
            long lastTicks = -1;
            var progress = new SynchronousProgress<IndexProgress>(p =>
            {
                if (p.Phase != "embed" || p.Total == 0)
                {
                    return;
                }

                if (p.Done == p.Total || lastTicks < 0 || sw.Elapsed.Ticks - lastTicks > TimeSpan.FromSeconds(5).Ticks)
                {
                    lastTicks = sw.Elapsed.Ticks;
                    double rate = p.Done / Math.Max(sw.Elapsed.TotalSeconds, 1e-3);
                    double eta = rate > 0 ? (p.Total - p.Done) / rate : 0;
                    Ui.Info($"indexed {p.Done}/{p.Total} files, {rate:0.0} files/s, about {eta:0}s left");
                }
            });
            return await indexer.IndexAsync(path, progress, token);
        }

        IndexReport? report = null;
        await Ui.Err.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RateColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                ProgressTask task = ctx.AddTask("scanning", maxValue: 1);
                var progress = new SynchronousProgress<IndexProgress>(p =>
                {
                    switch (p.Phase)
                    {
                        case "embed":
                            task.Description = "indexing";
                            task.MaxValue = Math.Max(1, p.Total);
                            task.Value = p.Total == 0 ? 1 : p.Done;
                            break;
                        case "clean":
                            task.Value = task.MaxValue;
                            break;
                    }
                });
                report = await indexer.IndexAsync(path, progress, token);
                task.Value = task.MaxValue;
            });
        return report!;
    }

    private static void Print(IndexReport report, TextPassReport? text, bool json, string indexDirectory, ModelIdentity model, DescribePassReport? described = null)
    {
        double seconds = Math.Max(report.Elapsed.TotalSeconds, 1e-9);
        if (json)
        {
            JsonOutput.Write(new
            {
                root = report.Root,
                index = indexDirectory,
                model = model.Key,
                found = report.Found,
                unchanged = report.Unchanged,
                embedded = report.Embedded,
                reused = report.Reused,
                removed = report.Removed,
                indexed_images = report.IndexedImages,
                elapsed_seconds = Math.Round(report.Elapsed.TotalSeconds, 3),
                images_per_second = Math.Round(report.Embedded / seconds, 2),
                skipped = report.Skipped.Select(s => new { path = s.Path, reason = s.Reason }),
                text = text is null ? null : new
                {
                    model = text.Model,
                    recognized = text.Recognized,
                    with_text = text.WithText,
                    elapsed_seconds = Math.Round(text.Elapsed.TotalSeconds, 3),
                    images_per_second = Math.Round(text.Rate, 2),
                    failed = text.Failed.Select(s => new { path = s.Path, reason = s.Reason }),
                },
                describe = described is null ? null : new
                {
                    model = described.Model,
                    described = described.Described,
                    structured = described.Structured,
                    remaining = described.Remaining,
                    elapsed_seconds = Math.Round(described.Elapsed.TotalSeconds, 3),
                    images_per_hour = Math.Round(described.ImagesPerHour, 1),
                    stopped_by = described.StoppedBy,
                    failed = described.Failed.Select(s => new { path = s.Path, reason = s.Reason }),
                },
            });
            return;
        }

        Ui.Out.MarkupLine($"Indexed [bold]{report.Root.EscapeMarkup()}[/] into {indexDirectory.EscapeMarkup()} with {model.Key.EscapeMarkup()}");
        Ui.Out.MarkupLine($"  {report.Found} image files: {report.Embedded} embedded ({report.Embedded / seconds:0.0} images/s), " +
            $"{report.Reused} recognised by content (moved, renamed or copied), {report.Unchanged} unchanged, {report.Removed} removed, {report.Skipped.Count} skipped. " +
            $"The index holds {report.IndexedImages} images. ({report.Elapsed.TotalSeconds:0.0}s)");
        if (text is not null)
        {
            Ui.Out.MarkupLine($"  Text in pictures: {text.Recognized} images read ({text.Rate:0.0} images/s), {text.WithText} with text, {text.Failed.Count} failed.");
        }

        if (described is not null)
        {
            Ui.Out.MarkupLine(Markup.Escape($"  Descriptions by {described.Model}: {described.Described} photos described ({described.Structured} as structured records, {described.ImagesPerHour:0} per hour), {described.Remaining} still to describe, {described.Failed.Count} unreadable."
                + (described.StoppedBy is { } why ? $" Stopped: {why}; run the same command again to go on." : "")));
        }
        if (report.Skipped.Count > 0)
        {
            var table = new Table().AddColumn("skipped").AddColumn("reason");
            foreach (SkippedFile s in report.Skipped)
            {
                table.AddRow(Markup.Escape(s.Path), Markup.Escape(s.Reason));
            }

            Ui.Out.Write(table);
        }
    }

    private sealed class RateColumn : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            double? speed = task.Speed;
            return new Text(speed is null ? "      " : $"{speed:0.0} img/s");
        }
    }
}
