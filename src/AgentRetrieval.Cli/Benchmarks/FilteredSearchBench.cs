using System.Diagnostics;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Indexing;
using AgentRetrieval.Metadata;
using AgentRetrieval.Planning;

namespace AgentRetrieval.Cli.Benchmarks;

/// <summary>
/// Search with the plan's filters at a realistic size: a real catalogue (SQLite, in a temporary folder) of synthetic
/// photos taken over ten years with five cameras in ten cities, searched with and without a 10% selective date filter.
/// The pre-filter is exact by construction; its recall is measured against brute force over the filtered rows, and
/// beside it the recall a post-filter (filter the unfiltered top 128) would have.
/// </summary>
internal static class FilteredSearchBench
{
    private static readonly string[] s_cities = ["Lisbon|PT", "Paris|FR", "Tokyo|JP", "Sydney|AU", "Berlin|DE", "Rome|IT", "Oslo|NO", "Lima|PE", "Cairo|EG", "Austin|US"];

    public sealed record Result(int Vectors, int Dimensions, double BuildSeconds, double ExactP50Ms, double FilteredP50Ms, double MatchP50Ms,
        double ListingP50Ms, int FilteredMatches, double FilteredRecallAt128, double PostFilterRecallAt128);

    public static Result Run(int n, int dims, int queries, Action<string> log)
    {
        string dir = Path.Combine(Path.GetTempPath(), "agentretrieval-bench-filter-" + Guid.NewGuid().ToString("N"));
        try
        {
            var model = new ModelIdentity("bench", dims, "bench", new Dictionary<string, string>());
            using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir);
            index.BindModel(model);
            float[] data = SyntheticVectors.Generate(n, dims, Math.Max(16, n / 1000), seed: 11);
            var rng = new Random(5);
            (string? Make, string? Model)[] cameras = [("NIKON CORPORATION", "NIKON D750"), ("Apple", "iPhone 12"), ("Canon", "Canon EOS R5"), ("FUJIFILM", "X-T3"), ("Google", "Pixel 7")];
            Place[] places = [.. s_cities.Select(p => p.Split('|')).Select(p => new Place(p[0], p[1], CountryNames.NameOf(p[1])))];
            var sw = Stopwatch.StartNew();
            var batch = new List<IndexedFile>(5000);
            for (int i = 0; i < n; i++)
            {
                var taken = new DateTime(2016, 1, 1).AddMinutes(rng.NextDouble() * 10 * 365.25 * 24 * 60);
                (string? make, string? cam) = cameras[rng.Next(cameras.Length)];
                Place place = places[rng.Next(places.Length)];
                var meta = new PhotoMetadata(taken, null, null, null, make, cam, 1);
                batch.Add(new IndexedFile($"/bench/{taken:yyyy}/{i:D7}.jpg", $"{i:x32}", 1, 0, new Imaging.ImageInfo("JPEG", 1, 1, null), data.AsSpan(i * dims, dims).ToArray(), meta, place));
                if (batch.Count == 5000 || i == n - 1)
                {
                    index.Commit(batch);
                    batch.Clear();
                    log($"  catalogue: {i + 1:N0}/{n:N0} photos written");
                }
            }

            double build = sw.Elapsed.TotalSeconds;
            var filter = new CatalogFilter(new DateFilter(new DateOnly(2020, 1, 1), new DateOnly(2020, 12, 31), "2020"), null, null, null, []);
            float[][] qs = [.. Enumerable.Range(0, queries).Select(q => Normalize(data.AsSpan((rng.Next(n)) * dims, dims).ToArray(), rng))];
            _ = index.Search(qs[0], model, 128); // load the vectors and facts once
            var exact = new List<double>();
            var filtered = new List<double>();
            var match = new List<double>();
            var listing = new List<double>();
            double recall = 0, postRecall = 0;
            int matches = 0;
            foreach (float[] q in qs)
            {
                long t = Stopwatch.GetTimestamp();
                IReadOnlyList<ImageHit> all = index.Search(q, model, 128);
                exact.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);

                t = Stopwatch.GetTimestamp();
                IReadOnlySet<long> allowed = index.Match(filter)!;
                match.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                IReadOnlyList<ImageHit> hits = index.Search(q, model, 128, allowed);
                filtered.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                matches = allowed.Count;

                t = Stopwatch.GetTimestamp();
                _ = index.ListByDate(filter, newestFirst: true, 0, 50);
                listing.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);

                // Ground truth: brute force over the filtered rows.
                HashSet<long> truth = BruteForce(index, q, allowed, 128);
                recall += hits.Count(h => truth.Contains(h.Id)) / (double)Math.Max(1, truth.Count);
                postRecall += all.Count(h => truth.Contains(h.Id)) / (double)Math.Max(1, truth.Count);
            }

            return new Result(n, dims, build, P50(exact), P50(filtered), P50(match), P50(listing), matches, recall / qs.Length, postRecall / qs.Length);
        }
        finally
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // A temporary folder left behind is not worth failing the benchmark for.
            }
        }
    }

    private static HashSet<long> BruteForce(EmbeddedImageIndex index, float[] q, IReadOnlySet<long> allowed, int k) =>
        [.. allowed.Select(id => (id, score: System.Numerics.Tensors.TensorPrimitives.Dot(index.GetVector(id)!, q)))
            .OrderByDescending(x => x.score).Take(k).Select(x => x.id)];

    private static float[] Normalize(float[] v, Random rng)
    {
        for (int i = 0; i < v.Length; i++)
        {
            v[i] += (float)(rng.NextDouble() - 0.5) * 0.05f;
        }

        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(v);
        System.Numerics.Tensors.TensorPrimitives.Divide(v, norm, v);
        return v;
    }

    private static double P50(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
