using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace AgentRetrieval.Tests.Commands;

/// <summary>
/// The multimodal LLM through the real program with the tiny ONNX Runtime GenAI fixtures: installed by name from a
/// (fake) hub, describing the library resumably, the cascade's depths within the turn's budget.
/// </summary>
public sealed class MultimodalLlmCommandTests
{
    private static string Phi3 => Path.Combine(SharedFixtures.GenAi, "phi3v-tiny");

    private static string Qwen => Path.Combine(SharedFixtures.GenAi, "qwen25vl-tiny");

    private static string[] Common(TempDirectory home) => ["--model", SharedFixtures.ClipTiny, "--index", home.Combine("index")];

    private static List<JsonElement> Turns(string stdout) =>
        [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement.Clone())];

    /// <summary>The first <paramref name="count"/> photos of the demo gallery, copied (each with a distinct date order by name).</summary>
    private static string Photos(TempDirectory home, int count)
    {
        string dir = home.Combine("photos");
        Directory.CreateDirectory(dir);
        foreach (string f in Directory.GetFiles(Path.Combine(SharedFixtures.Data, "demo-gallery"), "*.jpg").Order(StringComparer.Ordinal).Take(count))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }

        return dir;
    }

    private static int Described(string catalog)
    {
        try
        {
            using var c = new SqliteConnection($"Data Source={catalog};Mode=ReadOnly;Pooling=False");
            c.Open();
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM descriptions";
            return Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (SqliteException)
        {
            return 0;
        }
    }

    [Fact]
    public async Task IndexDescribe_KilledMidPass_RerunDescribesOnlyTheRest()
    {
        using var home = new TempDirectory();
        string photos = Photos(home, 8);
        var cli = new CliRunner(home.Path);
        (int code, _, string stderr) = await cli.RunAsync(["index", photos, .. Common(home)]);
        Assert.True(code == 0, stderr);

        int before;
        using (System.Diagnostics.Process p = cli.Start(["index", photos, "--describe", "--llm", Phi3, .. Common(home)]))
        {
            string catalog = home.Combine("index", "catalog.db");
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (!p.HasExited && DateTime.UtcNow < deadline && Described(catalog) < 2)
            {
                await Task.Delay(20, TestContext.Current.CancellationToken);
            }

            Assert.False(p.HasExited, "the pass finished before it could be killed");
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync(TestContext.Current.CancellationToken);
            before = Described(catalog);
        }

        Assert.InRange(before, 2, 7);
        (code, string stdout, stderr) = await cli.RunAsync(["index", photos, "--describe", "--llm", Phi3, "--json", .. Common(home)]);

        Assert.True(code == 0, stderr);
        JsonElement describe = JsonDocument.Parse(stdout).RootElement.GetProperty("describe");
        Assert.Equal(8 - before, describe.GetProperty("described").GetInt32());
        Assert.Equal(0, describe.GetProperty("remaining").GetInt32());
        Assert.StartsWith("onnxruntime-genai:phi3v/", describe.GetProperty("model").GetString());
        Assert.Equal(8, Described(home.Combine("index", "catalog.db")));
    }

    [Fact]
    public async Task IndexDescribe_Qwen25VL_FillsRecordsShownWithResults()
    {
        using var home = new TempDirectory();
        string photos = Photos(home, 3);
        var cli = new CliRunner(home.Path);

        (int code, string stdout, string stderr) = await cli.RunAsync(["index", photos, "--describe", "--llm", Qwen, "--json", .. Common(home)]);

        Assert.True(code == 0, stderr);
        JsonElement describe = JsonDocument.Parse(stdout).RootElement.GetProperty("describe");
        Assert.Equal(3, describe.GetProperty("described").GetInt32());
        Assert.True(describe.GetProperty("images_per_hour").GetDouble() > 0);
        // The tiny model's random text is no JSON: it was asked once more, then kept as a plain description.
        Assert.Equal(0, describe.GetProperty("structured").GetInt32());
        cli.Environment["AGENTRETRIEVAL_Agent__Describe"] = "false";
        (code, stdout, stderr) = await cli.RunWithInputAsync("a photo\n", ["chat", "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        Assert.All(Turns(stdout)[0].GetProperty("results").EnumerateArray(), r => Assert.False(string.IsNullOrEmpty(r.GetProperty("description").GetString())));
    }

    [Fact]
    public async Task Chat_TinyPhi3Vision_CascadeReportsDepthsAndABudgetCutsStageTwo()
    {
        using var home = new TempDirectory();
        string gallery = Path.Combine(SharedFixtures.Data, "demo-gallery");
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Agent__Clarify"] = "false";
        cli.Environment["AGENTRETRIEVAL_Agent__Describe"] = "false";
        cli.Environment["AGENTRETRIEVAL_Agent__MaxOutputTokens"] = "4";

        (int code, string stdout, string stderr) = await cli.RunWithInputAsync("a rocket\n", ["chat", gallery, "--llm", Phi3, "--rerank-top", "3", "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        JsonElement wide = Turns(stdout)[0].GetProperty("cascade");
        int candidates = Turns(stdout)[0].GetProperty("candidates").GetInt32();

        cli.Environment["AGENTRETRIEVAL_Agent__TurnBudget"] = "00:00:01.5";
        (code, stdout, stderr) = await cli.RunWithInputAsync("a rocket\n", ["chat", gallery, "--llm", Phi3, "--rerank-top", "3", "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        JsonElement narrow = Turns(stdout)[0].GetProperty("cascade");

        Assert.Equal(30, candidates);
        Assert.Equal(candidates, wide.GetProperty("stage1").GetProperty("depth").GetInt32());
        Assert.StartsWith("llm", wide.GetProperty("stage1").GetProperty("judge").GetString());
        Assert.Equal(3, wide.GetProperty("stage2").GetProperty("depth").GetInt32());
        Assert.Contains("next-token", wide.GetProperty("stage2").GetProperty("judge").GetString());
        Assert.True(narrow.GetProperty("stage2").GetProperty("depth").GetInt32() < 3, narrow.ToString());
        Assert.NotEqual("", narrow.GetProperty("stage2").GetProperty("note").GetString());
        Assert.NotEmpty(Turns(stdout)[0].GetProperty("results").EnumerateArray());
    }

    [Fact]
    public async Task ModelsPullAnLlm_FromTheHub_ThenChatTakesItByName()
    {
        // The tiny Phi-3-vision files served in the published repository's layout (a variant folder of a larger repo).
        const string folder = "cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4";
        var files = Directory.GetFiles(Phi3).ToDictionary(f => $"{folder}/{Path.GetFileName(f)}", File.ReadAllBytes);
        files["gpu/gpu-int4-rtn-block-32/genai_config.json"] = [1, 2, 3];
        files["README.md"] = "# readme"u8.ToArray();
        using var hub = new FakeHub(files, "microsoft/Phi-3.5-vision-instruct-onnx");
        using var home = new TempDirectory();
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Models__HubEndpoint"] = hub.BaseUri.ToString();
        cli.Environment["AGENTRETRIEVAL_Agent__Clarify"] = "false";
        cli.Environment["AGENTRETRIEVAL_Agent__Describe"] = "false";
        cli.Environment["AGENTRETRIEVAL_Agent__MaxOutputTokens"] = "4";
        string gallery = Path.Combine(SharedFixtures.Data, "demo-gallery");

        (int code, string stdout, string stderr) = await cli.RunWithInputAsync("a dog\n", ["chat", gallery, "--llm", "phi-3.5-vision", .. Common(home)]);
        Assert.Equal(1, code);
        Assert.Contains("agentretrieval models pull phi-3.5-vision", stderr);

        (code, _, stderr) = await cli.RunAsync("models", "pull", "phi-3.5-vision");
        Assert.True(code == 0, stderr);
        string installed = home.Combine(".local", "share", "agentretrieval", "models", "phi-3.5-vision");
        Assert.True(File.Exists(Path.Combine(installed, "cpu_and_mobile", "cpu-int4-rtn-block-32-acc-level-4", "dummy_text.onnx")));
        // Only the CPU variant's folder came down.
        Assert.False(Directory.Exists(Path.Combine(installed, "gpu")));
        Assert.False(File.Exists(Path.Combine(installed, "README.md")));

        (code, stdout, stderr) = await cli.RunWithInputAsync("a dog\n", ["chat", gallery, "--llm", "phi-3.5-vision", "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        JsonElement turn = Turns(stdout)[0];
        Assert.Equal(30, turn.GetProperty("cascade").GetProperty("stage1").GetProperty("depth").GetInt32());

        (code, stdout, stderr) = await cli.RunAsync("models", "list", "--json");
        Assert.True(code == 0, stderr);
        JsonElement phi = JsonDocument.Parse(stdout).RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "phi-3.5-vision");
        Assert.Equal("llm", phi.GetProperty("kind").GetString());
        Assert.True(phi.GetProperty("installed").GetBoolean());
        Assert.Equal(3200, phi.GetProperty("variants").GetProperty("cpu-int4").GetDouble(), 0);
        Assert.True(phi.GetProperty("variants").TryGetProperty("gpu-int4", out _));
    }

    [Fact]
    public async Task Chat_LlmNameNeitherAFolderNorInTheManifest_SaysWhichNamesThereAre()
    {
        using var home = new TempDirectory();

        (int code, _, string stderr) = await new CliRunner(home.Path).RunWithInputAsync("a dog\n", ["chat", Path.Combine(SharedFixtures.Data, "demo-gallery"), "--llm", "phi-9-vision", .. Common(home)]);

        Assert.Equal(1, code);
        Assert.Contains("'phi-9-vision' is neither a folder nor an LLM of the manifest", stderr);
        Assert.Contains("phi-3.5-vision", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task ModelsList_ShowsTheLlmsWithSizesAndDevices()
    {
        using var home = new TempDirectory();

        (int code, string stdout, string stderr) = await new CliRunner(home.Path).RunAsync("models", "list");

        Assert.True(code == 0, stderr);
        Assert.Contains("phi-3.5-vision", stdout);
        Assert.Contains("gemma-3-4b", stdout);
        Assert.Contains("cpu-int4 3200 MB", stdout.Replace("\n", " ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Chat_NoLlm_SaysInOneLineWhatItWouldAddAndHowToInstallIt()
    {
        using var home = new TempDirectory();

        (int code, _, string stderr) = await new CliRunner(home.Path).RunWithInputAsync("a dog\n", ["chat", Path.Combine(SharedFixtures.Data, "demo-gallery"), .. Common(home)]);

        Assert.True(code == 0, stderr);
        string hint = Assert.Single(stderr.Split('\n'), l => l.StartsWith("No multimodal LLM", StringComparison.Ordinal));
        Assert.Contains("agentretrieval models pull phi-3.5-vision", hint);
        Assert.Contains("--llm phi-3.5-vision", hint);
    }
}
