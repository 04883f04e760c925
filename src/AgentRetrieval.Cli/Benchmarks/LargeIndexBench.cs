using System.Diagnostics;
using System.Numerics.Tensors;
using System.Text.Json;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Indexing;
using AgentRetrieval.Metadata;
using AgentRetrieval.Planning;

namespace AgentRetrieval.Cli.Benchmarks;

/// <summary>
/// The product's own index at realistic sizes: a real catalogue and vector files (in a temporary folder) of synthetic
/// photos taken over ten years with five cameras in ten cities, vectors of the configured model's size. Measured: the
/// search the product runs by default at that size, with and without a 10% selective date filter, its recall@128
/// against exact float32 search over the original vectors, and a cold start: fresh <c>search</c> processes with the
/// configured model, their wall time, the parts of it, and their peak memory.
/// </summary>
internal static class LargeIndexBench
{
    private static readonly string[] s_cities = ["Lisbon|PT", "Paris|FR", "Tokyo|JP", "Sydney|AU", "Berlin|DE", "Rome|IT", "Oslo|NO", "Lima|PE", "Cairo|EG", "Austin|US"];

    public sealed record Result(int Vectors, int Dimensions, double BuildSeconds, string Mode, double P50Ms, double P95Ms, double RecallAt128,
        string FilteredMode, double FilteredP50Ms, double FilterMatchP50Ms, int FilteredMatches, double FilteredRecallAt128, double PostFilterRecallAt128,
        double ListingP50Ms, IReadOnlyList<ColdStart> ColdStarts, Stages? SearchStages, double StartPageFirstMs, double StartPageMs);

    /// <summary>Median time of each stage of the default (shortlisted) search, and the rows each stage passed on.</summary>
    public sealed record Stages(double PrefixMs, double CodesMs, double EstimateMs, double RescoreMs, int Wide, int Estimated, int Rescored);

    public sealed record ColdStart(double Seconds, double PeakMemoryMb, JsonElement? Parts);

    public static Result Run(int n, ModelIdentity model, int queries, int coldRuns, IReadOnlyList<string> searchArguments, Action<string> log, string? keepIn = null)
    {
        int dims = model.Dimensions;
        // With --index-dir the index is kept (one folder per size and dimension) and reused by the next run: the same
        // seeded photos, so the 1M build (minutes) is paid once while the search is tuned.
        string dir = keepIn is null
            ? Path.Combine(Path.GetTempPath(), "agentretrieval-bench-index-" + Guid.NewGuid().ToString("N"))
            : Path.Combine(keepIn, $"index-{n}-{dims}-{model.Fingerprint}");
        bool reuse = keepIn is not null && File.Exists(Path.Combine(dir, "complete"));
        try
        {
            float[] data = SyntheticVectors.Generate(n, dims, Math.Max(16, n / 1000), seed: 11);
            var rng = new Random(5);
            var sw = Stopwatch.StartNew();
            if (reuse)
            {
                log($"  index: reusing {dir}");
                for (int i = 0; i < n; i++)
                {
                    _ = rng.NextDouble();
                    _ = rng.Next(5);
                    _ = rng.Next(s_cities.Length);
                }
            }
            else
            using (EmbeddedImageIndex writer = EmbeddedImageIndex.Open(dir))
            {
                writer.BindModel(model);
                (string? Make, string? Model)[] cameras = [("NIKON CORPORATION", "NIKON D750"), ("Apple", "iPhone 12"), ("Canon", "Canon EOS R5"), ("FUJIFILM", "X-T3"), ("Google", "Pixel 7")];
                Place[] places = [.. s_cities.Select(p => p.Split('|')).Select(p => new Place(p[0], p[1], CountryNames.NameOf(p[1])))];
                var batch = new List<IndexedFile>(10_000);
                for (int i = 0; i < n; i++)
                {
                    var taken = new DateTime(2016, 1, 1).AddMinutes(rng.NextDouble() * 10 * 365.25 * 24 * 60);
                    (string? make, string? cam) = cameras[rng.Next(cameras.Length)];
                    Place place = places[rng.Next(places.Length)];
                    var meta = new PhotoMetadata(taken, null, null, null, make, cam, 1);
                    batch.Add(new IndexedFile($"/bench/{taken:yyyy}/{i:D7}.jpg", $"{i:x32}", 1, 0, new Imaging.ImageInfo("JPEG", 1, 1, null), data.AsSpan(i * dims, dims).ToArray(), meta, place));
                    if (batch.Count == 10_000 || i == n - 1)
                    {
                        writer.Commit(batch);
                        batch.Clear();
                        if ((i + 1) % 100_000 == 0 || i == n - 1)
                        {
                            log($"  index: {i + 1:N0}/{n:N0} photos written ({sw.Elapsed.TotalSeconds:0} s)");
                        }
                    }
                }
            }

            double build = sw.Elapsed.TotalSeconds;
            if (keepIn is not null && !reuse)
            {
                File.WriteAllText(Path.Combine(dir, "complete"), $"{n} photos, {dims} dimensions\n");
            }

            using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir);
            var filter = new CatalogFilter(new DateFilter(new DateOnly(2020, 1, 1), new DateOnly(2020, 12, 31), "2020"), null, null, null, []);
            float[][] qs = [.. Enumerable.Range(0, queries).Select(q => Noisy(data.AsSpan(rng.Next(n) * dims, dims).ToArray(), rng))];
            // Measured as a long-running host runs (chat, serve, mcp): the files mapped ahead, then one search to warm up.
            index.WarmUp();
            _ = index.Search(qs[0], model, 128);
            _ = index.Match(filter); // the facts load once, as in a long-running host
            var plain = new List<double>();
            var filtered = new List<double>();
            var match = new List<double>();
            var listing = new List<double>();
            var stages = new List<Indexing.Vectors.ShortlistStages>();
            double recall = 0, filteredRecall = 0, postRecall = 0;
            int matches = 0;
            string mode = "", filteredMode = "";
            long[] ids = [.. index.ListImages().Select(x => x.Id)]; // row i of data is id ids[i]: written in order
            foreach (float[] q in qs)
            {
                long t = Stopwatch.GetTimestamp();
                IReadOnlyList<ImageHit> all = index.Search(q, model, 128);
                plain.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                mode = index.LastSearchMode;
                if (mode == "shortlist")
                {
                    stages.Add(index.LastShortlistStages);
                }

                t = Stopwatch.GetTimestamp();
                IReadOnlySet<long> allowed = index.Match(filter)!;
                match.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                IReadOnlyList<ImageHit> hits = index.Search(q, model, 128, allowed);
                filtered.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                filteredMode = index.LastSearchMode;
                matches = allowed.Count;

                t = Stopwatch.GetTimestamp();
                _ = index.ListByDate(filter, newestFirst: true, 0, 50);
                listing.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);

                // Ground truth: exact float32 search over the vectors as they were generated.
                HashSet<long> truth = Exact(data, dims, ids, q, 128, null);
                recall += all.Count(h => truth.Contains(h.Id)) / (double)truth.Count;
                HashSet<long> filteredTruth = Exact(data, dims, ids, q, 128, allowed);
                filteredRecall += hits.Count(h => filteredTruth.Contains(h.Id)) / (double)Math.Max(1, filteredTruth.Count);
                postRecall += all.Count(h => filteredTruth.Contains(h.Id)) / (double)Math.Max(1, filteredTruth.Count);
            }

            // The page's start (GET /api/library): the library at a glance, first on a freshly opened index (paths
            // loaded from the catalogue), then again as every later visit is served.
            double startFirst, startAgain;
            using (EmbeddedImageIndex fresh = EmbeddedImageIndex.Open(dir))
            {
                long s0 = Stopwatch.GetTimestamp();
                _ = LibraryOverview.Build(fresh);
                startFirst = Stopwatch.GetElapsedTime(s0).TotalMilliseconds;
                s0 = Stopwatch.GetTimestamp();
                _ = LibraryOverview.Build(fresh);
                startAgain = Stopwatch.GetElapsedTime(s0).TotalMilliseconds;
                log($"  start page overview: {startFirst:0} ms first, {startAgain:0.0} ms after");
            }

            data = [];
            GC.Collect();
            if (OperatingSystem.IsLinux())
            {
                // The index just written is still being written back to disk: cold starts measured during that
                // writeback wait on the disk, which a user's search (long after indexing) does not.
                Sync();
            }

            var cold = new List<ColdStart>();
            for (int run = 0; run < coldRuns; run++)
            {
                cold.Add(RunSearchProcess([.. searchArguments, "--index", dir], log));
            }

            return new Result(n, dims, build, mode, P(plain, 0.5), P(plain, 0.95), recall / qs.Length, filteredMode, P(filtered, 0.5), P(match, 0.5), matches,
                filteredRecall / qs.Length, postRecall / qs.Length, P(listing, 0.5), cold,
                stages.Count == 0 ? null : new Stages(P([.. stages.Select(x => x.PrefixMs)], 0.5), P([.. stages.Select(x => x.CodesMs)], 0.5),
                    P([.. stages.Select(x => x.EstimateMs)], 0.5), P([.. stages.Select(x => x.RescoreMs)], 0.5), stages[0].Wide, stages[0].Estimated, stages[0].Rescored),
                startFirst, startAgain);
        }
        finally
        {
            try
            {
                if (keepIn is not null || Environment.GetEnvironmentVariable("AGENTRETRIEVAL_BENCH_KEEP") == "1")
                {
                    log($"  kept the index in {dir}");
                    dir = Path.Combine(dir, "-kept"); // nothing to delete
                }

                Directory.Delete(dir, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A temporary folder left behind (or kept on purpose) is not worth failing the benchmark for.
            }
        }
    }

    /// <summary>A fresh <c>agentretrieval search … --json</c>: wall time from start to exit, and the parts it reports.</summary>
    private static ColdStart RunSearchProcess(IReadOnlyList<string> arguments, Action<string> log)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string host = Environment.ProcessPath!;
        start.FileName = host;
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(LargeIndexBench).Assembly.Location);
        }

        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        var sw = Stopwatch.StartNew();
        using Process p = Process.Start(start)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        double seconds = sw.Elapsed.TotalSeconds;
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"The cold-start search failed (exit {p.ExitCode}): {stderr.Result.Trim()}");
        }

        using JsonDocument doc = JsonDocument.Parse(stdout.Result);
        JsonElement timings = doc.RootElement.GetProperty("timings").Clone();
        double peak = timings.GetProperty("peak_memory_mb").GetDouble();
        log($"  cold start: {seconds:0.000} s, peak {peak:0} MB, parts {timings.GetRawText()}");
        return new ColdStart(seconds, peak, timings);
    }

    private static HashSet<long> Exact(float[] data, int dims, long[] ids, float[] q, int k, IReadOnlySet<long>? allowed)
    {
        int n = ids.Length;
        var top = new (long Id, float Score)[Environment.ProcessorCount][];
        Parallel.For(0, top.Length, p =>
        {
            int start = (int)((long)n * p / top.Length), end = (int)((long)n * (p + 1) / top.Length);
            var heap = new PriorityQueue<long, float>(k + 1);
            for (int r = start; r < end; r++)
            {
                if (allowed is not null && !allowed.Contains(ids[r]))
                {
                    continue;
                }

                float s = TensorPrimitives.Dot(data.AsSpan(r * dims, dims), q);
                if (heap.Count < k)
                {
                    heap.Enqueue(ids[r], s);
                }
                else if (heap.TryPeek(out _, out float w) && s > w)
                {
                    heap.EnqueueDequeue(ids[r], s);
                }
            }

            top[p] = [.. heap.UnorderedItems.Select(x => (x.Element, x.Priority))];
        });
        return [.. top.SelectMany(x => x).OrderByDescending(x => x.Score).Take(k).Select(x => x.Id)];
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "sync")]
    private static extern void Sync();

    private static float[] Noisy(float[] v, Random rng)
    {
        for (int i = 0; i < v.Length; i++)
        {
            v[i] += (float)(rng.NextDouble() - 0.5) * 0.05f;
        }

        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }

    private static double P(List<double> values, double p)
    {
        values.Sort();
        return values[Math.Min(values.Count - 1, (int)(values.Count * p))];
    }
}
