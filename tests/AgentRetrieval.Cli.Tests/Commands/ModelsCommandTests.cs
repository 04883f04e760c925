using System.Text.Json;

namespace AgentRetrieval.Tests.Commands;

/// <summary>Model download and auto-pull through the real program, against a local fake hub (never the internet).</summary>
public sealed class ModelsCommandTests
{
    private static Dictionary<string, byte[]> ClipTinyAsRepository() =>
        new[] { "config.json", "preprocessor_config.json", "tokenizer.json", "tokenizer_config.json", "vocab.json", "merges.txt", "onnx/text_model.onnx", "onnx/vision_model.onnx" }
            .ToDictionary(f => f, f => File.ReadAllBytes(Path.Combine(SharedFixtures.ClipTiny, f)));

    [Fact]
    public async Task Embed_DefaultModelMissing_PullsItFirstThenWorks()
    {
        using var hub = new FakeHub(ClipTinyAsRepository(), "Xenova/clip-vit-base-patch32");
        using var home = new TempDirectory();
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Models__HubEndpoint"] = hub.BaseUri.ToString();

        (int code, string stdout, string stderr) = await cli.RunAsync("embed", "--text", "a photo of a dog");

        Assert.True(code == 0, stderr);
        Assert.Contains("not installed; downloading", stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.StartsWith("clip-vit-base-patch32@", doc.RootElement.GetProperty("model").GetString());
        Assert.True(File.Exists(home.Combine(".local", "share", "agentretrieval", "models", "clip-vit-base-patch32", ".agentretrieval-model.json")));

        (code, stdout, stderr) = await cli.RunAsync("models", "list", "--json");
        Assert.True(code == 0, stderr);
        using JsonDocument list = JsonDocument.Parse(stdout);
        JsonElement installed = list.RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "clip-vit-base-patch32");
        Assert.True(installed.GetProperty("installed").GetBoolean());
    }

    [Fact]
    public async Task ModelsPull_CorruptFileOnHub_FailsAndInstallsNothing()
    {
        using var hub = new FakeHub(ClipTinyAsRepository(), "Xenova/clip-vit-base-patch32");
        hub.ListedShaOverride["onnx/vision_model.onnx"] = new string('1', 64);
        using var home = new TempDirectory();
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Models__HubEndpoint"] = hub.BaseUri.ToString();

        (int code, _, string stderr) = await cli.RunAsync("models", "pull", "clip-vit-base-patch32", "--dir", home.Combine("m"));

        Assert.Equal(1, code);
        Assert.Contains("checksum mismatch", stderr);
        (code, _, stderr) = await cli.RunAsync("embed", "--text", "x", "--model", home.Combine("m"));
        Assert.Equal(1, code);
    }

    [Fact]
    public async Task ModelsPull_UnknownName_ListsKnownModels()
    {
        using var home = new TempDirectory();

        (int code, _, string stderr) = await new CliRunner(home.Path).RunAsync("models", "pull", "nope");

        Assert.Equal(1, code);
        Assert.Contains("clip-vit-large-patch14", stderr);
    }
}
