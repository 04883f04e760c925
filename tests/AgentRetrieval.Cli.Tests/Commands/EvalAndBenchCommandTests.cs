using System.Text.Json;

namespace AgentRetrieval.Tests.Commands;

/// <summary><c>eval</c>, <c>bench</c> and binary-code search through the real program.</summary>
public sealed class EvalAndBenchCommandTests
{
    [Fact]
    public async Task Eval_CocoMiniDev_ReportsBothDirectionsCodesAndDialogue()
    {
        using var home = new TempDirectory();

        (int code, string stdout, string stderr) = await new CliRunner(home.Path).RunAsync(
            "eval", Path.Combine(SharedFixtures.Data, "coco-mini"), "--model", SharedFixtures.ClipTiny, "--index", home.Combine("eval-index"),
            "--codes", "8,16,32", "--dialogue", "2", "--json");

        Assert.True(code == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement r = doc.RootElement;
        Assert.Equal("dev", r.GetProperty("split").GetString());
        Assert.Equal(20, r.GetProperty("images").GetInt32());
        Assert.Equal(100, r.GetProperty("captions").GetInt32());
        foreach (string direction in new[] { "text_to_image", "image_to_text" })
        {
            JsonElement s = r.GetProperty(direction);
            Assert.True(s.GetProperty("r1").GetDouble() <= s.GetProperty("r5").GetDouble());
            Assert.True(s.GetProperty("r5").GetDouble() <= s.GetProperty("r10").GetDouble());
            Assert.InRange(s.GetProperty("map").GetDouble(), 0, 100);
            Assert.InRange(s.GetProperty("median_rank").GetDouble(), 1, direction == "text_to_image" ? 20 : 100);
        }

        Assert.Equal(100, r.GetProperty("text_to_image").GetProperty("queries").GetInt32());
        JsonElement[] codes = [.. r.GetProperty("codes").EnumerateArray()];
        Assert.Equal(3, codes.Length);
        Assert.Equal(JsonValueKind.Object, codes[1].GetProperty("text_to_image").ValueKind);
        Assert.Contains("not applicable", codes[2].GetProperty("note").GetString());
        Assert.Equal(3, r.GetProperty("dialogue_hits_at_10").GetArrayLength());
        Assert.True(r.GetProperty("query_latency_ms").GetProperty("p50").GetDouble() > 0);
    }

    [Fact]
    public async Task Eval_RerankWithoutLlm_ClearError()
    {
        using var home = new TempDirectory();

        (int code, _, string stderr) = await new CliRunner(home.Path).RunAsync(
            "eval", Path.Combine(SharedFixtures.Data, "coco-mini"), "--model", SharedFixtures.ClipTiny, "--rerank", "pointwise");

        Assert.Equal(1, code);
        Assert.Contains("--rerank needs a multimodal LLM", stderr);
    }

    [Fact]
    public async Task Bench_SmallSizes_ReportsEveryModeWithRecallAgainstExact()
    {
        using var home = new TempDirectory();

        (int code, string stdout, string stderr) = await new CliRunner(home.Path).RunAsync(
            "bench", "--sizes", "2000", "--queries", "5", "--bits", "64", "--shortlist", "500", "--json",
            "--index-sizes", "60000", "--cold-starts", "1", "--ingest", SharedFixtures.ClipTiny, "--ingest-images", "4", "--ingest-megapixels", "2",
            "--images", Path.Combine(SharedFixtures.Data, "demo-gallery"), "--model", SharedFixtures.ClipTiny);

        Assert.True(code == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement size = doc.RootElement.GetProperty("sizes")[0];
        JsonElement[] modes = [.. size.GetProperty("modes").EnumerateArray()];
        Assert.Equal(3, modes.Length);
        Assert.Equal(1.0, modes[0].GetProperty("recall_at_128").GetDouble());
        Assert.InRange(modes[1].GetProperty("recall_at_128").GetDouble(), 0.5, 1.0);
        Assert.Equal(8, modes[1].GetProperty("bytes_per_vector").GetDouble());
        Assert.True(doc.RootElement.GetProperty("machine").GetProperty("memory_bandwidth_gbps").GetDouble() > 0);
        Assert.True(doc.RootElement.GetProperty("indexing").GetProperty("images_per_second").GetDouble() > 0);
        Assert.True(doc.RootElement.GetProperty("agent_turn").GetProperty("mean_ms_by_stage").GetProperty("retrieve").GetDouble() > 0);

        // The product's own index: past 50,000 photos the default search is the shortlist, measured against exact search.
        JsonElement large = doc.RootElement.GetProperty("large_index")[0];
        Assert.Equal(60000, large.GetProperty("vectors").GetInt32());
        Assert.Equal("shortlist", large.GetProperty("mode").GetString());
        Assert.InRange(large.GetProperty("recall_at_128").GetDouble(), 0.05, 1.0);
        Assert.InRange(large.GetProperty("filtered_matches").GetInt32(), 3000, 9000); // one year of ten
        JsonElement cold = doc.RootElement.GetProperty("cold_start")[0];
        Assert.True(cold.GetProperty("seconds").GetDouble() > 0);
        Assert.True(cold.GetProperty("peak_memory_mb").GetDouble() > 0);
        Assert.True(cold.GetProperty("parts").GetProperty("model_load_ms").GetDouble() >= 0);

        // Indexing camera-size JPEGs: every stage measured, the pipeline against its ideal, and what scaled decoding changes.
        JsonElement ingest = doc.RootElement.GetProperty("ingest")[0];
        Assert.Equal(4, ingest.GetProperty("images").GetInt32());
        foreach (string rate in (string[])["decode_images_per_second", "model_images_per_second", "pipeline_images_per_second", "pipeline_efficiency"])
        {
            Assert.True(ingest.GetProperty(rate).GetDouble() > 0, rate);
        }

        Assert.True(ingest.GetProperty("scaled_decode").GetBoolean());
        Assert.InRange(ingest.GetProperty("scaled_decode_pixel_difference").GetProperty("mean").GetDouble(), 0, 0.02);
    }

    [Fact]
    public async Task SearchWithCodes_AfterIndexCodes_FindsTheImageItself()
    {
        using var home = new TempDirectory();
        string[] common = ["--model", SharedFixtures.ClipTiny, "--index", home.Combine("index")];
        var cli = new CliRunner(home.Path);
        string gallery = Path.Combine(SharedFixtures.Data, "demo-gallery");

        (int code, _, string stderr) = await cli.RunAsync(["search", "x", "--codes", "16", .. common]);
        Assert.Equal(1, code);

        (code, _, stderr) = await cli.RunAsync(["index", gallery, "--codes", "16", .. common]);
        Assert.True(code == 0, stderr);
        Assert.True(File.Exists(home.Combine("index", "codes-16.bin")));

        string query = Directory.GetFiles(gallery, "*.jpg").Order(StringComparer.Ordinal).First();
        (code, string stdout, stderr) = await cli.RunAsync(["search", "--image", query, "--codes", "16", "--shortlist", "8", "--json", .. common]);
        Assert.True(code == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal(query, doc.RootElement.GetProperty("results")[0].GetProperty("path").GetString());

        (code, _, stderr) = await cli.RunAsync(["index", gallery, "--codes", "32", .. common]);
        Assert.Equal(1, code);
        Assert.Contains("need at least 32 dimensions", stderr);
    }
}
