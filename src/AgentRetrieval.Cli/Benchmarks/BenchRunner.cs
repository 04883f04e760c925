using System.Diagnostics;
using System.Numerics.Tensors;
using AgentRetrieval.Indexing;
using AgentRetrieval.Indexing.Binary;
using Cloud.Unum.USearch;

namespace AgentRetrieval.Cli.Benchmarks;

/// <summary>Vector search benchmarks: exact float, ITQ binary shortlist + exact re-score, and USearch HNSW.</summary>
internal static class BenchRunner
{
    public sealed record ModeResult(string Mode, double P50Ms, double P95Ms, double QueriesPerSecond, double RecallAt10, double RecallAt128,
        double BytesPerVector, double? BytesReadPerQuery, double? BandwidthUse, double BuildSeconds, string? Note);

    public sealed record SizeResult(int Vectors, int Dimensions, double GenerateSeconds, IReadOnlyList<ModeResult> Modes, (double Nn1, double Nn10, double Nn128, double Random) Cosines);

    public static double MeasureBandwidthGBps()
    {
        const int floats = 256 * 1024 * 1024; // 1 GiB
        float[] data = GC.AllocateUninitializedArray<float>(floats);
        Parallel.For(0, Environment.ProcessorCount, p =>
        {
            int start = (int)((long)floats * p / Environment.ProcessorCount), end = (int)((long)floats * (p + 1) / Environment.ProcessorCount);
            data.AsSpan(start, end - start).Fill(1f);
        });
        double best = 0;
        for (int rep = 0; rep < 5; rep++)
        {
            var sw = Stopwatch.StartNew();
            double[] sums = new double[Environment.ProcessorCount];
            Parallel.For(0, Environment.ProcessorCount, p =>
            {
                int start = (int)((long)floats * p / Environment.ProcessorCount), end = (int)((long)floats * (p + 1) / Environment.ProcessorCount);
                sums[p] = StreamRead(data.AsSpan(start, end - start));
            });
            sw.Stop();
            GC.KeepAlive(sums);
            best = Math.Max(best, (double)floats * sizeof(float) / sw.Elapsed.TotalSeconds / 1e9);
        }

        return best;
    }

    /// <summary>A plain streaming read with four independent vector accumulators, to find the memory's read bandwidth.</summary>
    private static double StreamRead(ReadOnlySpan<float> span)
    {
        var a0 = System.Numerics.Vector<float>.Zero;
        var a1 = a0;
        var a2 = a0;
        var a3 = a0;
        int w = System.Numerics.Vector<float>.Count;
        ReadOnlySpan<System.Numerics.Vector<float>> v = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(span);
        int i = 0;
        for (; i + 3 < v.Length; i += 4)
        {
            a0 += v[i];
            a1 += v[i + 1];
            a2 += v[i + 2];
            a3 += v[i + 3];
        }

        _ = w;
        return System.Numerics.Vector.Sum(a0 + a1 + a2 + a3);
    }

    public static SizeResult Run(int n, int dims, int queries, int bits, int shortlist, bool hnsw, double bandwidth, Action<string> log)
    {
        var sw = Stopwatch.StartNew();
        float[] data = SyntheticVectors.Generate(n, dims, clusters: Math.Clamp(n / 200, 50, 2000), seed: 1);
        float[] q = SyntheticVectors.Generate(queries, dims, clusters: Math.Clamp(n / 200, 50, 2000), seed: 2);
        double generate = sw.Elapsed.TotalSeconds;
        (double nn1, double nn10, double nn128, double rnd) = SyntheticVectors.Statistics(data, dims);
        log($"  {n:N0} vectors generated in {generate:0.0}s; cosine of nearest neighbours 1st {nn1:0.00}, 10th {nn10:0.00}, 128th {nn128:0.00}, random pairs {rnd:0.00}");
        var modes = new List<ModeResult>();

        // Warm-up: the first calls of each path run before the JIT has optimised them.
        for ((int i, Stopwatch warm) = (0, Stopwatch.StartNew()); i < 40 || warm.ElapsedMilliseconds < 1000; i++)
        {
            TopK.ExactParallel(data, dims, q.AsSpan(i % queries * dims, dims).ToArray(), 128);
        }

        // Exact float search: also the ground truth.
        var truth = new HashSet<int>[queries];
        var truth10 = new HashSet<int>[queries];
        var lat = new double[queries];
        for (int i = 0; i < queries; i++)
        {
            float[] query = q.AsSpan(i * dims, dims).ToArray();
            var t = Stopwatch.StartNew();
            (int Row, float Score)[] top = TopK.ExactParallel(data, dims, query, 128);
            lat[i] = t.Elapsed.TotalMilliseconds;
            truth[i] = [.. top.Select(x => x.Row)];
            truth10[i] = [.. top.Take(10).Select(x => x.Row)];
        }

        double exactBytes = (double)n * dims * sizeof(float);
        modes.Add(Mode("exact float32", lat, 1, 1, dims * sizeof(float), exactBytes, bandwidth, 0, null));
        log($"  exact: p50 {Percentile(lat, 0.5):0.00} ms");

        // Binary codes: ITQ fit on the vectors themselves, Hamming shortlist, exact re-score.
        sw.Restart();
        ItqHasher hasher = ItqHasher.Fit(data, dims, bits, iterations: 20, maxSample: 5000);
        ulong[] codes = hasher.EncodeAll(data);
        double build = sw.Elapsed.TotalSeconds;
        var searcher = new BinaryShortlistSearcher(hasher, codes, data);
        for ((int i, Stopwatch warm) = (0, Stopwatch.StartNew()); i < 40 || warm.ElapsedMilliseconds < 1000; i++)
        {
            searcher.Search(q.AsSpan(i % queries * dims, dims), 128, shortlist);
        }

        double r10 = 0, r128 = 0;
        for (int i = 0; i < queries; i++)
        {
            var t = Stopwatch.StartNew();
            (int Row, float Score)[] top = searcher.Search(q.AsSpan(i % queries * dims, dims), 128, shortlist);
            lat[i] = t.Elapsed.TotalMilliseconds;
            r128 += top.Count(x => truth[i].Contains(x.Row)) / (double)truth[i].Count;
            r10 += top.Take(10).Count(x => truth10[i].Contains(x.Row)) / (double)truth10[i].Count;
        }

        modes.Add(Mode($"binary {bits}b, re-score {shortlist}", lat, r10 / queries, r128 / queries, bits / 8.0, searcher.BytesPerQuery(shortlist), bandwidth, build,
            $"codes {bits / 8} B/vector; the float vectors stay for re-scoring"));
        log($"  binary: p50 {Percentile(lat, 0.5):0.00} ms, recall@128 {r128 / queries:0.000}");

        if (!hnsw)
        {
            modes.Add(new ModeResult("usearch hnsw: skipped (over --hnsw-max-vectors; its build is single-threaded)", double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, null, null, double.NaN, "skipped"));
            return new SizeResult(n, dims, generate, modes, (nn1, nn10, nn128, rnd));
        }

        // USearch HNSW (cosine, float32, M = 16, ef_construction = 128, ef_search = 256).
        sw.Restart();
        using var index = new USearchIndex(MetricKind.Cos, ScalarKind.Float32, (ulong)dims, 16, 128, 256, false);
        const int chunk = 10_000;
        for (int start = 0; start < n; start += chunk)
        {
            int count = Math.Min(chunk, n - start);
            ulong[] keys = [.. Enumerable.Range(start, count).Select(x => (ulong)x)];
            float[][] rows = [.. Enumerable.Range(start, count).Select(r => data.AsSpan(r * dims, dims).ToArray())];
            index.Add(keys, rows);
        }

        build = sw.Elapsed.TotalSeconds;
        // The serialised index (vectors + graph) is the honest size of what HNSW keeps in memory.
        string saved = Path.Combine(Path.GetTempPath(), $"agentretrieval-bench-{Guid.NewGuid():N}.usearch");
        index.Save(saved);
        double perVector = new FileInfo(saved).Length / (double)n;
        File.Delete(saved);
        for ((int i, Stopwatch warm) = (0, Stopwatch.StartNew()); i < 40 || warm.ElapsedMilliseconds < 1000; i++)
        {
            index.Search(q.AsSpan(i % queries * dims, dims).ToArray(), 128, out ulong[] _, out float[] _);
        }

        r10 = r128 = 0;
        for (int i = 0; i < queries; i++)
        {
            float[] query = q.AsSpan(i * dims, dims).ToArray();
            var t = Stopwatch.StartNew();
            int found = index.Search(query, 128, out ulong[] keys, out float[] _);
            lat[i] = t.Elapsed.TotalMilliseconds;
            r128 += keys.Take(found).Count(k => truth[i].Contains((int)k)) / (double)truth[i].Count;
            r10 += keys.Take(Math.Min(10, found)).Count(k => truth10[i].Contains((int)k)) / (double)truth10[i].Count;
        }

        modes.Add(Mode("usearch hnsw M16 ef256", lat, r10 / queries, r128 / queries, perVector, null, bandwidth, build,
            "bytes per vector = saved index size / vectors (vectors + graph); bytes read per query depend on the graph walk (not exposed)"));
        log($"  hnsw: build {build:0.0}s, p50 {Percentile(lat, 0.5):0.00} ms, recall@128 {r128 / queries:0.000}");
        return new SizeResult(n, dims, generate, modes, (nn1, nn10, nn128, rnd));
    }

    private static ModeResult Mode(string name, double[] lat, double r10, double r128, double bytesPerVector, double? bytesRead, double bandwidth, double build, string? note)
    {
        double p50 = Percentile(lat, 0.5), p95 = Percentile(lat, 0.95);
        double qps = 1000.0 / lat.Average();
        double? use = bytesRead is double b ? b / (p50 / 1000.0) / (bandwidth * 1e9) : null;
        return new ModeResult(name, p50, p95, qps, r10, r128, bytesPerVector, bytesRead, use, build, note);
    }

    public static double Percentile(double[] values, double p)
    {
        double[] s = [.. values.Order()];
        return s[Math.Min(s.Length - 1, (int)Math.Floor((p * (s.Length - 1)) + 0.5))];
    }
}
