using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using AgentRetrieval.Agent;
using AgentRetrieval.Cli.Benchmarks;
using AgentRetrieval.Cli.Hosting;
using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Prompts;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace AgentRetrieval.Cli.Commands;

/// <summary><c>agentretrieval bench</c>: speed and memory, measured on this machine.</summary>
internal static class BenchCommand
{
    private static readonly string[] s_shapes = ["clip-b32-shape", "siglip-b16-shape"];

    public static Command Create()
    {
        var sizes = new Option<string>("--sizes") { Description = "Vector counts to benchmark.", DefaultValueFactory = _ => "10000,100000,1000000" };
        var dims = new Option<int>("--dims") { Description = "Vector dimensions.", DefaultValueFactory = _ => 512 };
        var queries = new Option<int>("--queries") { Description = "Queries per size.", DefaultValueFactory = _ => 100 };
        var bits = new Option<int>("--bits") { Description = "Binary code length.", DefaultValueFactory = _ => 256 };
        var shortlist = new Option<int>("--shortlist") { Description = "Binary shortlist re-scored exactly.", DefaultValueFactory = _ => 8192 };
        var hnswMax = new Option<int>("--hnsw-max-vectors") { Description = "Build USearch HNSW only up to this many vectors (its build is single-threaded and slow).", DefaultValueFactory = _ => 100_000 };
        var images = new Option<string?>("--images") { Description = "Folder of images for the indexing-throughput and agent-turn measurements (default: 48 synthetic photos)." };
        var llm = new Option<string?>("--llm") { Description = "Multimodal LLM (manifest name or folder) for the agent-turn measurement and the cascade's per-stage costs (prompt tokens and seconds per candidate, depth within the budget, descriptions per hour)." };
        var llmShapes = new Option<string?>("--llm-shapes") { Description = "With --llm: a fixtures folder holding phi3-layer-shape and make_shape_weights.py; a runnable copy is timed to estimate the same costs for a real 4B model from the measured prompt tokens." };
        var indexSizes = new Option<string>("--index-sizes") { Description = "Sizes of the product's own index (catalogue and vector files, vectors of the model's size) for default-mode and filtered search and cold starts of 'search' with the model; 0 skips it.", DefaultValueFactory = _ => "100000,1000000" };
        var ingest = new Option<string?>("--ingest") { Description = "Model folders (comma-separated) for the indexing-throughput measurement on camera-size JPEGs: decode, preprocess, model, whole pipeline, and scaled-decode cosines." };
        var ingestShapes = new Option<string?>("--ingest-shapes") { Description = "A fixtures folder holding clip-b32-shape and siglip-b16-shape and make_shape_weights.py: runnable copies are made in a temporary folder and measured like --ingest." };
        var ingestJudge = new Option<string?>("--ingest-judge") { Description = "The model whose embeddings judge scaled decoding in --ingest (default: --model; a shape fixture's embeddings mean nothing)." };
        var ingestMegapixels = new Option<double>("--ingest-megapixels") { Description = "Size of the generated JPEGs for --ingest.", DefaultValueFactory = _ => 12 };
        var ingestImages = new Option<int>("--ingest-images") { Description = "How many JPEGs for --ingest (the first ones are the --images photos upscaled, the rest synthetic).", DefaultValueFactory = _ => 48 };
        var coldStarts = new Option<int>("--cold-starts") { Description = "Fresh 'search' processes per index size.", DefaultValueFactory = _ => 3 };
        var indexDir = new Option<string?>("--index-dir") { Description = "Keep the --index-sizes indexes in this folder and reuse them on the next run (the same seeded photos): the 1M build is paid once." };
        var formats = new Option<double>("--formats") { Description = "Also measure decode cost per format (JPEG, HEIC, AVIF, RAW preview) and the embedding cosine to the JPEG, at this many megapixels, on the first four photos of --images; 0 skips it.", DefaultValueFactory = _ => 0 };
        var command = new Command("bench", "Measure search latency, recall and memory for exact, binary-shortlist and HNSW search; indexing throughput; agent turns by stage.")
        {
            sizes, dims, queries, bits, shortlist, hnswMax, images, llm, llmShapes, indexSizes, coldStarts, indexDir, formats, ingest, ingestShapes, ingestJudge, ingestMegapixels, ingestImages,
        };
        command.SetAction((result, ct) => CommandLine.RunAsync(async token =>
        {
            CliSettings settings = CliSettings.Load(CommandLine.Globals(result));
            bool json = result.GetValue(CommandLine.Json);
            int[] counts;
            try
            {
                counts = [.. result.GetValue(sizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
            }
            catch (FormatException)
            {
                throw new SettingsException("--sizes takes counts such as 10000,100000,1000000.");
            }

            int d = result.GetValue(dims), b = result.GetValue(bits);
            if (b > d || b <= 0)
            {
                throw new SettingsException($"--bits must be between 1 and --dims ({d}).");
            }

            var total = Stopwatch.StartNew();
            Ui.Info("measuring memory bandwidth…");
            double bandwidth = BenchRunner.MeasureBandwidthGBps();
            var results = new List<BenchRunner.SizeResult>();
            foreach (int n in counts)
            {
                token.ThrowIfCancellationRequested();
                Ui.Info($"{n:N0} vectors of {d} dimensions:");
                results.Add(BenchRunner.Run(n, d, result.GetValue(queries), b, result.GetValue(shortlist), n <= result.GetValue(hnswMax), bandwidth, Ui.Info));
                GC.Collect();
            }

            var large = new List<LargeIndexBench.Result>();
            int[] indexCounts;
            try
            {
                indexCounts = [.. result.GetValue(indexSizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).Where(x => x > 0)];
            }
            catch (FormatException)
            {
                throw new SettingsException("--index-sizes takes counts such as 100000,1000000 (0 skips it).");
            }

            if (indexCounts.Length > 0)
            {
                Embeddings.ModelIdentity identity;
                using (Encoders coldModel = await ModelResolver.LoadEncodersAsync(settings, token))
                {
                    identity = coldModel.Identity;
                }

                // The cold-start processes use the same model and settings as this one.
                string[] searchArguments = ["search", "a dog running on the beach at sunset", "--json", "--top", "10",
                    .. settings.Clip.ModelDirectory is { Length: > 0 } m ? (string[])["--model", m] : [], .. settings.Offline ? (string[])["--offline"] : []];
                foreach (int n in indexCounts)
                {
                    token.ThrowIfCancellationRequested();
                    Ui.Info($"the product's index at {n:N0} photos ({identity.Dimensions} dimensions, model {identity.Key}): default search, a 10% date filter, {result.GetValue(coldStarts)} cold starts:");
                    large.Add(LargeIndexBench.Run(n, identity, Math.Min(result.GetValue(queries), 50), result.GetValue(coldStarts), searchArguments, Ui.Info, result.GetValue(indexDir)));
                    GC.Collect();
                }
            }

            var ingestResults = new List<IngestBench.Result>();
            var ingestModels = (result.GetValue(ingest) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m => (Folder: m, Temporary: false)).ToList();
            if (result.GetValue(ingestShapes) is { } shapes)
            {
                foreach (string shape in s_shapes)
                {
                    ingestModels.Add((ShapeWeights.MakeRunnable(shapes, shape, Ui.Info), true));
                }
            }

            string[] ingestPhotos = result.GetValue(images) is { } photoFolder && Directory.Exists(photoFolder)
                ? [.. Directory.GetFiles(photoFolder).Where(f => Imaging.ImageLoader.SupportedExtensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).Take(result.GetValue(ingestImages) / 2)]
                : [];
            foreach ((string modelFolder, bool temporary) in ingestModels)
            {
                try
                {
                    Ui.Info($"indexing {result.GetValue(ingestImages)} JPEGs of {result.GetValue(ingestMegapixels)} MP with {modelFolder}:");
                    ingestResults.Add(IngestBench.Run(modelFolder, result.GetValue(ingestJudge) ?? (settings.Clip.ModelDirectory is { Length: > 0 } judge ? judge : null), result.GetValue(ingestMegapixels), result.GetValue(ingestImages), ingestPhotos, settings.Indexing, settings.ClipBatches.ImageBatchSize, Ui.Info, token));
                }
                finally
                {
                    if (temporary)
                    {
                        Directory.Delete(modelFolder, recursive: true);
                    }
                }
            }

            FormatBench.Result? formatResult = null;
            if (result.GetValue(formats) is > 0 and double mp)
            {
                string? source = result.GetValue(images);
                string[] photos = source is not null && Directory.Exists(source)
                    ? [.. Directory.GetFiles(source).Where(f => Imaging.ImageLoader.SupportedExtensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).Take(4)]
                    : [];
                if (photos.Length == 0)
                {
                    throw new SettingsException("--formats needs real photos to compare: pass --images <folder> (for example ../shared/data/demo-gallery).");
                }

                using Encoders formatModel = await ModelResolver.LoadEncodersAsync(settings, token);
                Ui.Info($"formats at {mp} megapixels, {photos.Length} photos, model {formatModel.Identity.Key}:");
                formatResult = await FormatBench.RunAsync(photos, mp, formatModel.Images, formatModel.Identity.Key, Ui.Info, token);
            }

            object? indexing = null, agentTurn = null, llmStages = null;
            CommandServices.UseLlmFolder(settings, result.GetValue(llm));
            string? folder = result.GetValue(images);
            string? synthetic = null;
            if (folder is null)
            {
                // No folder given: photo-sized synthetic images, so one plain run still measures the model.
                synthetic = folder = SyntheticImages.Create(48);
                Ui.Info($"indexing throughput on 48 synthetic 1024×768 JPEGs (pass --images <folder> to use your photos)");
            }

            try
            {
                (indexing, agentTurn) = await MeasureModelAsync(settings, folder, token);
                if (!string.IsNullOrWhiteSpace(settings.Llm.ModelDirectory) || settings.Llm.Provider == "openai")
                {
                    using Microsoft.Extensions.AI.IChatClient? chat = ChatClientFactory.Create(settings);
                    string[] photos = [.. Directory.GetFiles(folder).Where(f => Imaging.ImageLoader.SupportedExtensions.Contains(Path.GetExtension(f))).Order(StringComparer.Ordinal).Take(1)];
                    string? layerFixtures = result.GetValue(llmShapes);
                    string? layer = layerFixtures is null ? null : ShapeWeights.MakeRunnable(layerFixtures, "phi3-layer-shape", Ui.Info);
                    try
                    {
                        Ui.Info($"cascade stages with {settings.Llm.ModelDirectory}{settings.Llm.Endpoint}:");
                        llmStages = chat is null || photos.Length == 0 ? null
                            : await LlmBench.RunAsync(chat, new FilePromptProvider(FilePromptProvider.DefaultDirectory), settings.Agent, photos, layer, Ui.Info, token);
                    }
                    finally
                    {
                        if (layer is not null)
                        {
                            Directory.Delete(layer, recursive: true);
                        }
                    }
                }
            }
            finally
            {
                if (synthetic is not null)
                {
                    Directory.Delete(synthetic, recursive: true);
                }
            }

            var report = new
            {
                machine = new { cores = Environment.ProcessorCount, memory_gib = Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1073741824.0, 1), os = Environment.OSVersion.ToString(), runtime = Environment.Version.ToString(), memory_bandwidth_gbps = Math.Round(bandwidth, 2) },
                sizes = results.Select(r => new
                {
                    vectors = r.Vectors,
                    dimensions = r.Dimensions,
                    skipped = r.Modes.Where(m => double.IsNaN(m.P50Ms)).Select(m => m.Mode),
                    data_cosines = new { nn1 = Math.Round(r.Cosines.Nn1, 3), nn10 = Math.Round(r.Cosines.Nn10, 3), nn128 = Math.Round(r.Cosines.Nn128, 3), random_pairs = Math.Round(r.Cosines.Random, 3) },
                    modes = r.Modes.Where(m => !double.IsNaN(m.P50Ms)).Select(m => new
                    {
                        mode = m.Mode,
                        p50_ms = Math.Round(m.P50Ms, 3),
                        p95_ms = Math.Round(m.P95Ms, 3),
                        queries_per_second = Math.Round(m.QueriesPerSecond, 1),
                        recall_at_10 = Math.Round(m.RecallAt10, 4),
                        recall_at_128 = Math.Round(m.RecallAt128, 4),
                        bytes_per_vector = Math.Round(m.BytesPerVector, 1),
                        bytes_read_per_query = m.BytesReadPerQuery,
                        read_reduction_vs_exact = m.BytesReadPerQuery is double br ? Math.Round((double)r.Vectors * r.Dimensions * 4 / br, 2) : (double?)null,
                        speedup_vs_exact = m.P50Ms > 0 ? Math.Round(r.Modes[0].P50Ms / m.P50Ms, 2) : (double?)null,
                        bandwidth_use = m.BandwidthUse is double u ? Math.Round(u, 3) : (double?)null,
                        build_seconds = Math.Round(m.BuildSeconds, 2),
                        note = m.Note,
                    }),
                }),
                large_index = large.Select(r => new
                {
                    vectors = r.Vectors,
                    dimensions = r.Dimensions,
                    build_seconds = Math.Round(r.BuildSeconds, 1),
                    mode = r.Mode,
                    p50_ms = Math.Round(r.P50Ms, 3),
                    p95_ms = Math.Round(r.P95Ms, 3),
                    recall_at_128 = Math.Round(r.RecallAt128, 4),
                    filter = "one year of ten (date range)",
                    filtered_matches = r.FilteredMatches,
                    filtered_mode = r.FilteredMode,
                    filtered_p50_ms = Math.Round(r.FilteredP50Ms, 3),
                    filter_match_p50_ms = Math.Round(r.FilterMatchP50Ms, 3),
                    filtered_recall_at_128 = Math.Round(r.FilteredRecallAt128, 4),
                    post_filter_recall_at_128 = Math.Round(r.PostFilterRecallAt128, 4),
                    filter_only_listing_p50_ms = Math.Round(r.ListingP50Ms, 3),
                    start_page_first_ms = Math.Round(r.StartPageFirstMs, 1),
                    start_page_ms = Math.Round(r.StartPageMs, 1),
                    stages = r.SearchStages is not { } st ? null : new
                    {
                        prefix_ms = Math.Round(st.PrefixMs, 3),
                        codes_ms = Math.Round(st.CodesMs, 3),
                        estimate_ms = Math.Round(st.EstimateMs, 3),
                        rescore_ms = Math.Round(st.RescoreMs, 3),
                        whole_codes_read = st.Wide,
                        estimated = st.Estimated,
                        rescored = st.Rescored,
                    },
                }),
                cold_start = large.Where(r => r.ColdStarts.Count > 0).Select(r => new
                {
                    vectors = r.Vectors,
                    dimensions = r.Dimensions,
                    runs = r.ColdStarts.Count,
                    seconds = Math.Round(r.ColdStarts.Select(c => c.Seconds).Order().ElementAt(r.ColdStarts.Count / 2), 3),
                    peak_memory_mb = Math.Round(r.ColdStarts.Max(c => c.PeakMemoryMb), 1),
                    all_seconds = r.ColdStarts.Select(c => Math.Round(c.Seconds, 3)),
                    parts = r.ColdStarts[r.ColdStarts.Count / 2].Parts,
                }),
                formats = formatResult is null ? null : new
                {
                    megapixels = formatResult.Megapixels,
                    photos = formatResult.Photos,
                    model = formatResult.Model,
                    decode_ms = formatResult.DecodeMs,
                    cosine_to_jpeg = formatResult.CosineToJpeg.ToDictionary(kv => kv.Key, kv => new { min = kv.Value.Min, mean = kv.Value.Mean }),
                    note = formatResult.Note,
                },
                ingest = ingestResults.Select(r => new
                {
                    model = r.Model,
                    megapixels = r.Megapixels,
                    images = r.Images,
                    decode_images_per_second = Math.Round(r.DecodeImagesPerSecond, 1),
                    full_size_decode_images_per_second = Math.Round(r.FullDecodeImagesPerSecond, 1),
                    preprocess_images_per_second = Math.Round(r.PreprocessImagesPerSecond, 1),
                    decode_and_preprocess_images_per_second = Math.Round(r.PrepareImagesPerSecond, 1),
                    model_images_per_second = Math.Round(r.ModelImagesPerSecond, 1),
                    pipeline_images_per_second = Math.Round(r.PipelineImagesPerSecond, 1),
                    pipeline_efficiency = Math.Round(r.PipelineEfficiency, 3),
                    images_per_hour = Math.Round(r.PipelineImagesPerSecond * 3600),
                    scaled_decode = r.ScaledDecode,
                    scaled_decode_cosine = new { model = r.CosineModel, min = Math.Round(r.ScaledCosineMin, 5), mean = Math.Round(r.ScaledCosineMean, 5), photos = r.CosinePhotos },
                    scaled_decode_pixel_difference = new { mean = Math.Round(r.PixelMadMean, 5), max = Math.Round(r.PixelMadMax, 5) },
                }),
                indexing,
                agent_turn = agentTurn,
                llm = llmStages,
                total_seconds = Math.Round(total.Elapsed.TotalSeconds, 1),
            };
            if (json)
            {
                JsonOutput.Write(report);
                return 0;
            }

            // The table is wide: give it room even when the output is not a terminal.
            Ui.Out.Profile.Width = Math.Max(Ui.Out.Profile.Width, 170);
            Ui.Out.MarkupLine($"machine: {report.machine.cores} cores, {report.machine.memory_gib} GiB, memory bandwidth {report.machine.memory_bandwidth_gbps} GB/s (parallel streaming read)");
            var table = new Table().AddColumn("vectors").AddColumn("mode").AddColumn("p50 ms").AddColumn("p95 ms").AddColumn("q/s").AddColumn("R@10").AddColumn("R@128")
                .AddColumn("B/vector").AddColumn("MB read/q").AddColumn("reads vs exact").AddColumn("speed-up").AddColumn("of bandwidth").AddColumn("build s");
            foreach (var s in report.sizes)
            {
                foreach (var m in s.modes)
                {
                    table.AddRow(s.vectors.ToString("N0", CultureInfo.InvariantCulture), Markup.Escape(m.mode), F(m.p50_ms), F(m.p95_ms), m.queries_per_second.ToString("0", CultureInfo.InvariantCulture),
                        m.recall_at_10.ToString("0.000", CultureInfo.InvariantCulture), m.recall_at_128.ToString("0.000", CultureInfo.InvariantCulture), m.bytes_per_vector.ToString("0", CultureInfo.InvariantCulture),
                        m.bytes_read_per_query is double br ? (br / 1e6).ToString("0.0", CultureInfo.InvariantCulture) : "n/a",
                        m.read_reduction_vs_exact is double rr ? $"1/{rr:0.0}" : "n/a", m.speedup_vs_exact is double sp ? $"{sp:0.0}x" : "n/a",
                        m.bandwidth_use is double u ? $"{u:P0}" : "n/a", F(m.build_seconds));
                }
            }

            Ui.Out.Write(table);
            foreach (var li in report.large_index)
            {
                Ui.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"index of {li.vectors:N0} photos ({li.dimensions} d): {li.mode} p50 {li.p50_ms} ms, p95 {li.p95_ms} ms, recall@128 {li.recall_at_128}; {li.filter} ({li.filtered_matches:N0} match): {li.filtered_mode} p50 {li.filtered_p50_ms} ms (of which the filter {li.filter_match_p50_ms} ms), recall@128 {li.filtered_recall_at_128} (a post-filter would reach {li.post_filter_recall_at_128}); filter-only listing p50 {li.filter_only_listing_p50_ms} ms."));
            }

            foreach (var ig in report.ingest)
            {
                Ui.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"indexing {ig.megapixels} MP JPEGs with {ig.model}: decode {ig.decode_images_per_second}/s (full size {ig.full_size_decode_images_per_second}/s), preprocess {ig.preprocess_images_per_second}/s, model {ig.model_images_per_second}/s, pipeline {ig.pipeline_images_per_second}/s (efficiency {ig.pipeline_efficiency}); scaled decode cosine min {ig.scaled_decode_cosine.min}, mean {ig.scaled_decode_cosine.mean}"));
            }

            foreach (var cs in report.cold_start)
            {
                Ui.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cold start of 'search' at {cs.vectors:N0} photos: {cs.seconds} s (median of {cs.runs}), peak memory {cs.peak_memory_mb} MB"));
            }
            foreach (var s in report.sizes)
            {
                foreach (string skipped in s.skipped)
                {
                    Ui.Out.WriteLine($"{s.vectors:N0}: {skipped}");
                }

                Ui.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{s.vectors:N0}: data cosines: nearest {s.data_cosines.nn1}, 10th {s.data_cosines.nn10}, 128th {s.data_cosines.nn128}, random pairs {s.data_cosines.random_pairs}"));
            }

            if (indexing is not null)
            {
                Ui.Out.WriteLine("indexing: " + System.Text.Json.JsonSerializer.Serialize(indexing, JsonOutput.Options));
                Ui.Out.WriteLine("agent turn: " + System.Text.Json.JsonSerializer.Serialize(agentTurn, JsonOutput.Options));
                if (llmStages is not null)
                {
                    Ui.Out.WriteLine("cascade stages: " + System.Text.Json.JsonSerializer.Serialize(llmStages, JsonOutput.Options));
                }
            }

            Ui.Out.WriteLine($"total {report.total_seconds} s");
            return 0;

            static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
        }, ct));
        return command;
    }

    private static async Task<(object Indexing, object AgentTurn)> MeasureModelAsync(CliSettings settings, string folder, CancellationToken token)
    {
        using Encoders model = await ModelResolver.LoadEncodersAsync(settings, token);
        var text = model.Text;
        var images = model.Images;
        string dir = Path.Combine(Path.GetTempPath(), "agentretrieval-bench", Guid.NewGuid().ToString("N"));
        try
        {
            using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir);
            IndexReport report = await new FolderIndexer(images, model.Identity, index, settings.Indexing).IndexAsync(folder, null, token);
            var indexing = new
            {
                model = model.Identity.Key,
                images = report.Embedded,
                seconds = Math.Round(report.Elapsed.TotalSeconds, 3),
                images_per_second = Math.Round(report.Embedded / Math.Max(report.Elapsed.TotalSeconds, 1e-9), 1),
            };

            using IChatClient? chat = ChatClientFactory.Create(settings);
            AgentOptions options = settings.Agent;
            options.Clarify = false;
            var agent = AgentFactory.Create(settings, model, index, chat, new FilePromptProvider(FilePromptProvider.DefaultDirectory), options);
            string[] turns = ["a dog in the snow", "people at a table with food", "a city street at night", "a cat on a sofa", "coins on a table"];
            var stageMs = new Dictionary<string, List<double>>();
            foreach (string t in turns)
            {
                AgentTurnResult r = await agent.RunTurnAsync(new SearchSession(), t, token);
                foreach (StageReport s in r.Stages)
                {
                    (stageMs.TryGetValue(s.Stage, out List<double>? list) ? list : stageMs[s.Stage] = []).Add(s.Elapsed.TotalMilliseconds);
                }
            }

            var agentTurn = new
            {
                llm = chat is null ? "none" : settings.Llm.ModelDirectory,
                rerank = chat is null ? "off" : $"{options.RerankStrategy}, top {options.RerankTopN}",
                turns = turns.Length,
                mean_ms_by_stage = stageMs.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value.Average(), 2)),
            };
            return (indexing, agentTurn);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
