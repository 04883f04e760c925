using System.CommandLine;
using System.Globalization;
using AgentRetrieval.Cli.Hosting;
using AgentRetrieval.Imaging;
using AgentRetrieval.Indexing;
using AgentRetrieval.Planning;
using AgentRetrieval.Search;
using AgentRetrieval.Onnx.Clip;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace AgentRetrieval.Cli.Commands;

/// <summary><c>agentretrieval search "&lt;text&gt;"</c> or <c>--image &lt;file&gt;</c>: the closest indexed images.</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var text = new Argument<string?>("text") { Description = "What to look for.", Arity = ArgumentArity.ZeroOrOne };
        var image = new Option<string?>("--image") { Description = "Search with an image file instead of text." };
        var top = new Option<int?>("--top", "-n") { Description = "How many results (default: Search:Top, 10)." };
        var codes = new Option<int?>("--codes") { Description = "Search with the stored binary codes of this length (Hamming shortlist, exact re-score)." };
        var shortlist = new Option<int>("--shortlist") { Description = "With --codes: candidates re-scored exactly.", DefaultValueFactory = _ => 1024 };
        var offset = new Option<int>("--offset") { Description = "Skip this many results (the next page).", DefaultValueFactory = _ => 0 };
        var command = new Command("search", "Search the index by text or by image; dates, places, cameras, words in the picture and exclusions in the text become filters.") { text, image, top, offset, codes, shortlist };
        var planOptions = new PlanOptions();
        planOptions.AddTo(command);
        command.SetAction((result, ct) => CommandLine.RunAsync(async token =>
        {
            double startupMs = ProcessStats.SinceStartMs();
            long clock = TimeProvider.System.GetTimestamp();
            double Lap()
            {
                long now = TimeProvider.System.GetTimestamp();
                double ms = TimeProvider.System.GetElapsedTime(clock, now).TotalMilliseconds;
                clock = now;
                return Math.Round(ms, 1);
            }

            CliSettings settings = CliSettings.Load(CommandLine.Globals(result));
            using IDisposable? telemetry = TelemetryExport.Start(settings.Telemetry);
            bool json = result.GetValue(CommandLine.Json);
            string? query = result.GetValue(text);
            string? imagePath = result.GetValue(image);
            int k = result.GetValue(top) ?? settings.Search.Top;
            if (k <= 0)
            {
                throw new SettingsException("--top must be at least 1.");
            }

            bool explicitFilters = planOptions.Read(result).Any;
            if (imagePath is null)
            {
                if (string.IsNullOrWhiteSpace(query) && !explicitFilters)
                {
                    throw new SettingsException("Give a text to search for, for example: agentretrieval search \"a dog on the beach\", or --image <file>, or filters such as --from 2019.");
                }

                if (query is not null && query.Length > settings.Search.MaxQueryCharacters)
                {
                    throw new SettingsException($"The query has {query.Length} characters; the limit is {settings.Search.MaxQueryCharacters} (Search:MaxQueryCharacters). CLIP reads at most 77 tokens anyway.");
                }
            }
            else if (!string.IsNullOrWhiteSpace(query))
            {
                throw new SettingsException("Give either a text or --image, not both.");
            }

            if (!EmbeddedImageIndex.Exists(settings.Indexing.IndexDirectory))
            {
                throw new SettingsException($"There is no index in '{settings.Indexing.IndexDirectory}'. Run 'agentretrieval index <folder>' first (or pass --index).");
            }

            double settingsMs = Lap();
            // The index, the place names and the model load side by side: a fresh process waits for the slowest only.
            double indexMs = 0, gazetteerMs = 0;
            Task<Metadata.Gazetteer?> places = Task.Run(() =>
            {
                long t = TimeProvider.System.GetTimestamp();
                Metadata.Gazetteer? g = imagePath is null ? Places.Gazetteer : null;
                gazetteerMs = TimeProvider.System.GetElapsedTime(t).TotalMilliseconds;
                return g;
            }, token);
            Task<EmbeddedImageIndex> opening = Task.Run(() =>
            {
                long t = TimeProvider.System.GetTimestamp();
                EmbeddedImageIndex opened = EmbeddedImageIndex.Open(settings.Indexing.IndexDirectory);
                _ = opened.Count; // maps the vectors
                indexMs = TimeProvider.System.GetElapsedTime(t).TotalMilliseconds;
                return opened;
            }, token);
            Encoders model;
            try
            {
                model = await ModelResolver.LoadEncodersAsync(settings, token);
            }
            catch
            {
                _ = opening.ContinueWith(o => o.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
                throw;
            }

            using Encoders modelOwner = model;
            double modelMs = Lap();
            using EmbeddedImageIndex index = await opening;
            Metadata.Gazetteer? gazetteer = await places;
            double waitMs = Lap();
            foreach (string note in index.Notes)
            {
                Ui.Info(note);
            }

            if (index.Count == 0)
            {
                throw new SettingsException($"The index in '{settings.Indexing.IndexDirectory}' is empty. Run 'agentretrieval index <folder>' first.");
            }

            var searcher = new HybridSearcher(index, model.Identity, gazetteer);
            PlanContext context = searcher.Context();
            SearchPlan plan = imagePath is null ? RulePlanParser.Parse(query ?? "", context) : new SearchPlan();
            plan = planOptions.Apply(plan, result, context);
            double planMs = Lap();

            float[] vector = [];
            bool truncated = false;
            if (imagePath is not null)
            {
                byte[] data = ReadImageArgument(imagePath, settings);
                var encoder = model.Images;
                vector = (await encoder.GenerateAsync([new DataContent(data, "application/octet-stream") { Name = imagePath }], cancellationToken: token))[0].Vector.ToArray();
            }
            else if (plan.VisualQuery.Length > 0)
            {
                truncated = model.Tokenizer is { } tokenizer && tokenizer.WouldTruncate(plan.VisualQuery);
                vector = (await model.Text.GenerateAsync([plan.VisualQuery], cancellationToken: token))[0].Vector.ToArray();
                vector = await QueryVectors.SubtractNegativesAsync(vector, plan.NegativeTerms, model.Text, settings.Agent.NegationWeight, token);
            }

            double encodeMs = Lap();
            long started = TimeProvider.System.GetTimestamp();
            HybridSearchResult found;
            try
            {
                found = result.GetValue(codes) is int bits && vector.Length > 0 && !plan.HasFilters && plan.TextInImage.Count == 0
                    ? new HybridSearchResult(plan, index.SearchBinary(vector, model.Identity, k, bits, result.GetValue(shortlist)), index.Count, new Dictionary<long, int>(), $"{bits}-bit binary shortlist, exact re-score")
                    : searcher.Search(plan, vector, null, k, result.GetValue(offset));
            }
            catch (InvalidOperationException ex) when (ex is not Embeddings.ModelIdentityMismatchException)
            {
                throw new SettingsException(ex.Message);
            }

            IReadOnlyList<ImageHit> hits = found.Hits;
            double searchMs = TimeProvider.System.GetElapsedTime(started).TotalMilliseconds;
            if (truncated)
            {
                Ui.Info($"note: the query is longer than the model's {model.Tokenizer!.MaxLength} tokens; only its beginning was used.");
            }

            Ui.Info("plan: " + plan.Describe());
            string? empty = found.FiltersMatchedNothing ? "No photos match these filters: " + string.Join(", ", plan.DescribeFilters()) + "." : null;
            if (json)
            {
                JsonOutput.Write(new
                {
                    query,
                    image = imagePath,
                    plan = plan.ToJson(),
                    model = model.Identity.Key,
                    index = settings.Indexing.IndexDirectory,
                    search_ms = Math.Round(searchMs, 3),
                    total_matches = found.TotalMatches,
                    method = found.Method,
                    vector_search = index.LastSearchMode,
                    message = empty,
                    results = hits.Select((h, i) =>
                    {
                        PhotoDetails? d = PhotoDetails.Of(index, h.Id);
                        return new
                        {
                            rank = result.GetValue(offset) + i + 1,
                            score = Math.Round(h.Score, 6),
                            path = h.Path,
                            also = h.AlsoAt,
                            id = h.Id,
                            taken_at = d?.TakenAtIso,
                            place = d?.Place,
                            camera = d?.Camera,
                            text = d?.Text,
                            text_match = found.TextMatches.ContainsKey(h.Id),
                        };
                    }).ToList(),
                    // Where a cold start spends its time: process start to this command, settings, model load (with
                    // its identity), index open, plan, query encoding, search, results with their details.
                    timings = new
                    {
                        process_start_ms = Math.Round(startupMs, 1),
                        // index_open_ms and gazetteer_load_ms run beside model_load_ms; wait_after_model_ms is what they added.
                        settings_ms = settingsMs,
                        model_load_ms = modelMs,
                        index_open_ms = Math.Round(indexMs, 1),
                        gazetteer_load_ms = Math.Round(gazetteerMs, 1),
                        wait_after_model_ms = waitMs,
                        plan_ms = planMs,
                        encode_ms = encodeMs,
                        search_ms = Math.Round(searchMs, 1),
                        details_ms = Lap() - Math.Round(searchMs, 1),
                        peak_memory_mb = Math.Round(ProcessStats.PeakMemoryMb(), 1),
                    },
                });
                return 0;
            }

            if (empty is not null)
            {
                Ui.Out.WriteLine(empty);
                return 0;
            }

            var table = new Table().AddColumn("rank").AddColumn("score").AddColumn("taken").AddColumn("place").AddColumn("path");
            for (int i = 0; i < hits.Count; i++)
            {
                PhotoDetails? d = PhotoDetails.Of(index, hits[i].Id);
                table.AddRow((result.GetValue(offset) + i + 1).ToString(CultureInfo.InvariantCulture),
                    plan.IsFilterOnly ? "" : hits[i].Score.ToString("0.0000", CultureInfo.InvariantCulture),
                    d?.TakenAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "",
                    Markup.Escape(d?.Place ?? ""), Markup.Escape(hits[i].Path));
            }

            Ui.Out.Write(table);
            Ui.Info($"{hits.Count} of {found.TotalMatches} {(plan.HasFilters ? "matching " : "")}images ({found.Method}), searched in {searchMs:0.0} ms.");
            return 0;
        }, ct));
        return command;
    }

    /// <summary>Reads an image given on the command line: a clear error for a missing, empty, special or huge file.</summary>
    internal static byte[] ReadImageArgument(string path, CliSettings settings)
    {
        try
        {
            return ImageFile.ReadAllBytes(path, settings.Indexing.MaxFileBytes);
        }
        catch (Exception ex) when (ex is InvalidImageException or IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"Cannot use '{path}' as a query image: {ex.Message}");
        }
    }
}
