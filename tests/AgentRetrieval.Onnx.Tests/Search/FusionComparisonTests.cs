using System.Numerics.Tensors;
using System.Text.Json;
using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Ocr;
using AgentRetrieval.Onnx.Offline;
using AgentRetrieval.Planning;
using AgentRetrieval.Search;
using AgentRetrieval.Tests.Ocr;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests.Search;

/// <summary>
/// Which fusion of the image–text ranking with the full-text ranking works better, on a small labelled set made here:
/// the 20 coco-mini dev photos, 8 of them with a shop word painted on (ImageMagick), indexed with the offline default
/// (a real model) and the real OCR. Queries: "the sign that says WORD" (explicit text), "WORD" alone (the full-text
/// index speaks without being asked), and 8 captions of photos without words (fusion must not hurt them). Compared:
/// reciprocal rank fusion (the product) and a calibrated sum, cosine + w × BM25 / max BM25, for several w.
/// </summary>
public sealed class FusionComparisonTests
{
    private static readonly string[] s_words = ["BAKERY", "PHARMACY", "HOTEL", "TAXI", "CINEMA", "LIBRARY", "GARAGE", "FLORIST"];

    [Fact]
    public async Task Fusion_LabelledSet_ReciprocalRankFusionIsAtLeastAsGoodAsCalibratedSums()
    {
        RenderedText.RequireTools();
        SharedFixtures.RequireRegistryData("ocr/ppocr-v4-mobile/ppocr_keys_v1.txt");
        using var dir = new TempDirectory();
        string folder = dir.Combine("photos");
        Directory.CreateDirectory(folder);
        string coco = Path.Combine(SharedFixtures.Data, "coco-mini");
        JsonElement[] dev = [.. JsonDocument.Parse(File.ReadAllText(Path.Combine(coco, "captions.json"))).RootElement.EnumerateArray().Where(e => e.GetProperty("split").GetString() == "dev")];
        var targets = new List<(string Query, string Kind, string File)>();
        for (int i = 0; i < dev.Length; i++)
        {
            string name = dev[i].GetProperty("image").GetString()!;
            string source = Path.Combine(coco, "images", name), path = Path.Combine(folder, name);
            if (i < s_words.Length)
            {
                RenderedText.Render(path, source, "-resize", "640x", "-gravity", "north", "-font", "DejaVu-Sans-Bold", "-pointsize", "48", "-fill", "white", "-stroke", "black", "-strokewidth", "2", "-annotate", "+0+20", s_words[i]);
                targets.Add(($"the sign that says {s_words[i].ToLowerInvariant()}", "explicit", name));
                targets.Add((s_words[i].ToLowerInvariant(), "implicit", name));
            }
            else
            {
                File.Copy(source, path);
                if (i < s_words.Length + 8)
                {
                    targets.Add((dev[i].GetProperty("captions")[0].GetString()!, "visual", name));
                }
            }
        }

        using OfflineDefaultModel model = OfflineDefaultModel.Load(Path.Combine(SharedFixtures.RepositoryRoot, "models", "offline-default", "bridge.bin"));
        using var images = new OfflineImageEmbeddingGenerator(model);
        using var text = new OfflineTextEmbeddingGenerator(model);
        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Combine("index"));
        await new FolderIndexer(images, model.Identity, index, new IndexingOptions()).IndexAsync(folder, cancellationToken: TestContext.Current.CancellationToken);
        using var ocr = new PaddleOcrRecognizer(PaddleOcrFiles.Find(PaddleOcrFiles.DefaultDirectory));
        await new TextPass(ocr, index, new IndexingOptions()).RunAsync(cancellationToken: TestContext.Current.CancellationToken);
        var searcher = new HybridSearcher(index, model.Identity);

        var rrf = new Dictionary<string, List<double>>();
        double[] weights = [0.25, 0.5, 1.0, 2.0];
        var calibrated = weights.ToDictionary(w => w, _ => new Dictionary<string, List<double>>());
        foreach ((string query, string kind, string file) in targets)
        {
            SearchPlan plan = searcher.Plan(query);
            float[] vector = plan.VisualQuery.Length > 0 ? (await text.GenerateAsync([plan.VisualQuery], cancellationToken: TestContext.Current.CancellationToken))[0].Vector.ToArray() : [];
            IReadOnlyList<ImageHit> hits = searcher.Search(plan, vector, null, 20).Hits;
            Add(rrf, kind, ReciprocalRank(hits.Select(h => h.Path), file));

            string textQuery = plan.TextInImage.Count > 0 ? string.Join(' ', plan.TextInImage) : plan.VisualQuery;
            var bm25 = index.TextSearch(textQuery, plan.TextInImage.Count > 0, null, 100).ToDictionary(t => t.Id, t => t.Score);
            double max = bm25.Count == 0 ? 1 : bm25.Values.Max();
            foreach (double w in weights)
            {
                var scored = index.ListImages().Select(img =>
                {
                    double cos = vector.Length > 0 ? TensorPrimitives.Dot(index.GetVector(img.Id)!, vector) : 0;
                    return (img.Path, Score: cos + (w * (bm25.TryGetValue(img.Id, out double b) ? b / max : 0)));
                }).OrderByDescending(x => x.Score).Select(x => x.Path);
                Add(calibrated[w], kind, ReciprocalRank(scored, file));
            }
        }

        string Line(string name, Dictionary<string, List<double>> m) =>
            $"{name}: MRR explicit {m["explicit"].Average():0.000}, implicit {m["implicit"].Average():0.000}, visual {m["visual"].Average():0.000}, all {m.Values.SelectMany(v => v).Average():0.000}";
        TestContext.Current.TestOutputHelper?.WriteLine(Line("reciprocal rank fusion (k=60)", rrf));
        foreach (double w in weights)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(Line($"calibrated cos + {w} × bm25/max", calibrated[w]));
        }

        double rrfAll = rrf.Values.SelectMany(v => v).Average();
        double bestCalibrated = weights.Max(w => calibrated[w].Values.SelectMany(v => v).Average());
        Assert.True(rrf["explicit"].Average() >= 0.75, Line("rrf", rrf));
        Assert.True(rrfAll >= bestCalibrated - 0.02, $"{Line("rrf", rrf)}; best calibrated {bestCalibrated:0.000}");
    }

    private static void Add(Dictionary<string, List<double>> m, string kind, double rr)
    {
        if (!m.TryGetValue(kind, out List<double>? list))
        {
            m[kind] = list = [];
        }

        list.Add(rr);
    }

    private static double ReciprocalRank(IEnumerable<string> ranked, string file)
    {
        int rank = 1;
        foreach (string p in ranked)
        {
            if (Path.GetFileName(p) == file)
            {
                return 1.0 / rank;
            }

            rank++;
        }

        return 0;
    }
}
