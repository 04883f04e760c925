using System.Text.Json;

namespace AgentRetrieval.Tests.Commands;

/// <summary><c>agentretrieval chat</c> driven through its standard input: scripted conversations, with and without an LLM.</summary>
public sealed class ChatCommandTests
{
    private static string[] Common(TempDirectory home) => ["--model", SharedFixtures.ClipTiny, "--index", home.Combine("index")];

    private static List<JsonElement> Turns(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    [Fact]
    public async Task Chat_FrenchAndJapaneseOverAMultilingualIndex_SearchesTheRequestAsWritten()
    {
        // The M-CLIP fixture in Immich's layout: its XLM-R tokenizer reads both requests (random weights, so only the
        // path is checked: the request reaches the multilingual text tower whole and the results are its nearest).
        using var home = new TempDirectory();
        string gallery = Path.Combine(SharedFixtures.Data, "demo-gallery");
        string[] model = ["--model", SharedFixtures.MClipTiny, "--index", home.Combine("index")];

        (int code, string stdout, string stderr) = await new CliRunner(home.Path).RunWithInputAsync(
            "un chien qui court sur la plage\n/reset\n浜辺で遊ぶ子供\n/quit\n", ["chat", gallery, "--json", .. model]);

        Assert.True(code == 0, stderr);
        List<JsonElement> turns = Turns(stdout);
        Assert.Equal(2, turns.Count);
        Assert.Equal("un chien qui court sur la plage", turns[0].GetProperty("query").GetString());
        Assert.Equal("浜辺で遊ぶ子供", turns[1].GetProperty("query").GetString());
        (int searchCode, string searchOut, string searchErr) = await new CliRunner(home.Path).RunAsync(["search", "浜辺で遊ぶ子供", "--json", "--top", "3", .. model]);
        Assert.True(searchCode == 0, searchErr);
        using JsonDocument search = JsonDocument.Parse(searchOut);
        Assert.Contains("mclip-tiny", search.RootElement.GetProperty("model").GetString(), StringComparison.Ordinal);
        Assert.Equal(
            search.RootElement.GetProperty("results")[0].GetProperty("path").GetString(),
            turns[1].GetProperty("results")[0].GetProperty("path").GetString());
    }

    [Fact]
    public async Task Chat_NoLlm_FeedbackReshapesTheNextTurn()
    {
        using var home = new TempDirectory();
        string gallery = Path.Combine(SharedFixtures.Data, "demo-gallery");

        (int code, string stdout, string stderr) = await new CliRunner(home.Path).RunWithInputAsync(
            "a cat, not a dog\n+1 -2\nlike 99\n/reset\nan astronaut\n/quit\n",
            ["chat", gallery, "--json", .. Common(home)]);

        Assert.True(code == 0, stderr);
        List<JsonElement> turns = Turns(stdout);
        Assert.Equal(3, turns.Count);
        Assert.Equal("a cat", turns[0].GetProperty("query").GetString());
        Assert.Equal("dog", turns[0].GetProperty("negative_terms")[0].GetString());
        Assert.Contains("no LLM configured", turns[0].GetProperty("answer").GetString());
        long disliked = turns[0].GetProperty("results")[1].GetProperty("id").GetInt64();
        Assert.DoesNotContain(turns[1].GetProperty("results").EnumerateArray(), r => r.GetProperty("id").GetInt64() == disliked);
        Assert.Contains("1 liked, 1 disliked", turns[1].GetProperty("stages")[1].GetProperty("detail").GetString());
        Assert.Equal(turns[0].GetProperty("results")[0].GetProperty("id").GetInt64(), turns[1].GetProperty("results")[0].GetProperty("id").GetInt64());
        Assert.Contains("There is no result 99", stderr);
        Assert.Equal("an astronaut", turns[2].GetProperty("query").GetString());
        Assert.DoesNotContain("1 liked", turns[2].GetProperty("stages")[1].GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Chat_Terminal_StreamsAnswerTableAndWhy()
    {
        using var home = new TempDirectory();
        string gallery = Path.Combine(SharedFixtures.Data, "demo-gallery");

        (int code, string stdout, string stderr) = await new CliRunner(home.Path).RunWithInputAsync(
            "coffee in a cup\n/why\n", ["chat", gallery, .. Common(home)]);

        Assert.True(code == 0, stderr);
        Assert.Contains("Best match:", stdout);
        Assert.Contains("│ rank │", stdout);
        Assert.Contains("1 *", stdout);
        Assert.Contains("plan: looks like \"coffee in a cup\"", stdout);
        Assert.Contains("retrieve ran", stdout);
    }

    [Fact]
    public async Task Chat_WithTinyLlm_RerankAndStreamedAnswer()
    {
        using var home = new TempDirectory();
        string gallery = Path.Combine(SharedFixtures.Data, "demo-gallery");
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Agent__Clarify"] = "false";
        cli.Environment["AGENTRETRIEVAL_Agent__MaxOutputTokens"] = "8";

        (int code, string stdout, string stderr) = await cli.RunWithInputAsync(
            "a rocket\n+1\n", ["chat", gallery, "--llm", Path.Combine(SharedFixtures.GenAi, "phi3v-tiny"), "--rerank", "pointwise", "--rerank-top", "2", "--json", .. Common(home)]);

        Assert.True(code == 0, stderr);
        List<JsonElement> turns = Turns(stdout);
        Assert.Equal(2, turns.Count);
        foreach (JsonElement t in turns)
        {
            JsonElement rerank = t.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "rerank");
            Assert.True(rerank.GetProperty("ran").GetBoolean());
            Assert.Contains("P(Yes) from logits", rerank.GetProperty("detail").GetString());
            Assert.False(rerank.GetProperty("degraded").GetBoolean(), t.GetProperty("answer").GetString());
            // The tiny model writes no JSON plan: the rules' plan is used, and the answer says so.
            JsonElement rewrite = t.GetProperty("stages").EnumerateArray().Single(s => s.GetProperty("stage").GetString() == "rewrite");
            Assert.Contains("rules' plan", rewrite.GetProperty("detail").GetString());
            Assert.Equal("a rocket", t.GetProperty("plan").GetProperty("visual_query").GetString());
        }
    }

    [Fact]
    public async Task Chat_WrongLlmFolder_ClearError()
    {
        using var home = new TempDirectory();

        (int code, _, string stderr) = await new CliRunner(home.Path).RunWithInputAsync("a dog\n",
            ["chat", Path.Combine(SharedFixtures.Data, "demo-gallery"), "--llm", home.Path, .. Common(home)]);

        Assert.Equal(1, code);
        Assert.Contains("genai_config.json is missing", stderr);
    }
}
