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
    public async Task ModelsPull_ImmichSiglip2_InstallsTheLayoutWithExternalDataAndCalibration()
    {
        // The SigLIP fixture in Immich's layout served as immich-app/ViT-B-16-SigLIP2__webli, with an extra file in
        // textual/ the manifest does not name (as a large tower's external data): pulled, verified, usable.
        string fixture = SharedFixtures.SiglipImmichTiny;
        var files = new Dictionary<string, byte[]>();
        foreach (string path in Directory.GetFiles(fixture, "*", SearchOption.AllDirectories))
        {
            files[Path.GetRelativePath(fixture, path).Replace('\\', '/')] = File.ReadAllBytes(path);
        }

        files["textual/model.onnx_data"] = [.. Enumerable.Range(0, 100_000).Select(i => (byte)i)];
        using var hub = new FakeHub(files, "immich-app/ViT-B-16-SigLIP2__webli");
        using var home = new TempDirectory();
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Models__HubEndpoint"] = hub.BaseUri.ToString();

        (int code, _, string stderr) = await cli.RunAsync("models", "pull", "immich-vit-b-16-siglip2", "--dir", home.Combine("m"));

        Assert.True(code == 0, stderr);
        Assert.Equal(files["textual/model.onnx_data"], File.ReadAllBytes(home.Combine("m", "textual", "model.onnx_data")));
        Assert.False(File.Exists(home.Combine("m", "reference.json")));
        (code, string stdout, stderr) = await cli.RunAsync("embed", "--text", "a photo of a dog", "--image", Path.Combine(SharedFixtures.ClipTiny, "images", "australia.jpg"), "--model", home.Combine("m"), "--json");
        Assert.True(code == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal("siglip", doc.RootElement.GetProperty("family").GetString());
        Assert.Equal("immich", doc.RootElement.GetProperty("layout").GetString());
        // The manifest's recorded scale and bias arrived with the model and turn the similarity into a probability.
        double cosine = doc.RootElement.GetProperty("cosine").GetDouble();
        Assert.Equal(1 / (1 + Math.Exp(-((cosine * 112.6705) - 16.7717))), doc.RootElement.GetProperty("probability").GetDouble(), 9);
    }

    [Fact]
    public async Task ModelsList_ShowsTheSiglipAndMultilingualModelsWithLayoutSizesAndLanguages()
    {
        using var home = new TempDirectory();

        (int code, string stdout, string stderr) = await new CliRunner(home.Path).RunAsync("models", "list", "--json");

        Assert.True(code == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        JsonElement[] models = [.. doc.RootElement.GetProperty("models").EnumerateArray()];
        foreach ((string name, string family, string layout) in new[]
        {
            ("immich-vit-b-32-openai", "clip", "immich"), ("immich-vit-b-16-siglip2", "siglip", "immich"),
            ("immich-xlm-roberta-large-vit-b-32", "mclip", "immich"), ("immich-nllb-clip-base-siglip", "siglip", "immich"),
            ("siglip2-base-patch16-224", "siglip", "transformers.js"),
        })
        {
            JsonElement m = models.Single(x => x.GetProperty("name").GetString() == name);
            Assert.Equal(family, m.GetProperty("family").GetString());
            Assert.Equal(layout, m.GetProperty("layout").GetString());
            Assert.NotEmpty(m.GetProperty("languages").EnumerateArray());
            Assert.False(string.IsNullOrEmpty(m.GetProperty("license").GetString()));
            Assert.NotEmpty(m.GetProperty("variants").EnumerateObject());
        }

        (code, stdout, _) = await new CliRunner(home.Path).RunAsync("models", "list");
        Assert.Equal(0, code);
        Assert.Contains("immich-vit-b-16-siglip2", stdout);
        Assert.Contains("multilingual", stdout);
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

        Assert.True(code == 1, $"exit {code}: {stderr}");
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

    [Fact]
    public async Task ModelsPull_OfflineOrHubUnreachable_ClearErrorAndNoEmptyFolder()
    {
        using var home = new TempDirectory();
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Models__HubEndpoint"] = "http://127.0.0.1:9/";
        string target = home.Combine("m");

        (int code, _, string stderr) = await cli.RunAsync("models", "pull", "clip-vit-base-patch32", "--dir", target, "--offline");
        Assert.Equal(1, code);
        Assert.Contains("--offline: not downloading", stderr);

        (code, _, stderr) = await cli.RunAsync("models", "pull", "clip-vit-base-patch32", "--dir", target);
        Assert.Equal(1, code);
        Assert.Contains("Cannot download clip-vit-base-patch32", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(Directory.Exists(target), "an empty model folder was left behind");
    }

    [Fact]
    public async Task Embed_HubUnreachable_RememberedSoTheNextCommandDoesNotWaitAgain()
    {
        using var home = new TempDirectory();
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Models__HubEndpoint"] = "http://127.0.0.1:9/";

        (int code, _, string first) = await cli.RunAsync("embed", "--text", "a dog");
        Assert.True(code == 0, first);
        Assert.Contains("The download failed", first);

        (code, _, string second) = await cli.RunAsync("embed", "--text", "a dog");
        Assert.True(code == 0, second);
        Assert.Contains("was unreachable", second);
        Assert.DoesNotContain("downloading it to", second);
    }

    [Fact]
    public async Task ModelsList_In80Columns_NamesAreNotBrokenMidWord()
    {
        using var home = new TempDirectory();
        (int code, string stdout, string stderr) = await new CliRunner(home.Path).RunAsync("models", "list");
        Assert.True(code == 0, stderr);
        Assert.Contains("clip-vit-large-patch14", stdout);
        Assert.Contains("clip-vit-base-patch32 (default)", stdout);
    }
}
