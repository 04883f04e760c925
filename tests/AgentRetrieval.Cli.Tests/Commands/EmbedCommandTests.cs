using System.Text.Json;

namespace AgentRetrieval.Tests.Commands;

/// <summary>The reference parity, checked from outside through <c>agentretrieval embed --json</c>.</summary>
public sealed class EmbedCommandTests
{
    public static TheoryData<int, bool> TextCases() => [.. Enumerable.Range(0, 15).SelectMany(i => new[] { (i, false), (i, true) })];

    [Theory]
    [MemberData(nameof(TextCases))]
    public async Task Embed_ReferenceText_MatchesIdsAndEmbedding(int index, bool combined)
    {
        JsonElement entry = ReferenceData.Load().GetProperty("text")[index];
        using var home = new TempDirectory();
        var cli = new CliRunner(home.Path);
        if (combined)
        {
            cli.Environment["AGENTRETRIEVAL_Clip__PreferCombined"] = "true";
        }

        (int code, string stdout, string stderr) = await cli.RunAsync("embed", "--text", entry.GetProperty("text").GetString()!, "--model", SharedFixtures.ClipTiny);

        Assert.True(code == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.Equal(ReferenceData.Ints(entry.GetProperty("ids")), ReferenceData.Ints(doc.RootElement.GetProperty("input_ids")));
        double cosine = ReferenceData.Cosine(ReferenceData.Floats(entry.GetProperty("text_embeds")), ReferenceData.Floats(doc.RootElement.GetProperty("vector")));
        Assert.True(cosine >= 0.99999, $"cosine {cosine}");
        Assert.StartsWith("clip-tiny@", doc.RootElement.GetProperty("model").GetString());
    }

    [Theory]
    [InlineData("australia.jpg")]
    [InlineData("gray-panorama.png")]
    [InlineData("palette-96x64.gif")]
    [InlineData("rgba-portrait.png")]
    [InlineData("tiny-13x9.png")]
    public async Task Embed_ReferenceImage_CosineAtLeast0_999(string file)
    {
        JsonElement entry = ReferenceData.Load().GetProperty("images").EnumerateArray().Single(e => e.GetProperty("file").GetString() == file);
        using var home = new TempDirectory();

        (int code, string stdout, string stderr) = await new CliRunner(home.Path).RunAsync(
            "embed", "--image", Path.Combine(SharedFixtures.ClipTiny, "images", file), "--model", SharedFixtures.ClipTiny);

        Assert.True(code == 0, stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        double cosine = ReferenceData.Cosine(ReferenceData.Floats(entry.GetProperty("image_embeds")), ReferenceData.Floats(doc.RootElement.GetProperty("vector")));
        Assert.True(cosine >= 0.999, $"cosine {cosine}");
    }

    [Fact]
    public async Task Embed_OfflineWithoutModel_UsesOfflineDefaultAndSaysHowToGetClip()
    {
        using var home = new TempDirectory();

        (int code, string stdout, string stderr) = await new CliRunner(home.Path).RunAsync("embed", "--text", "a dog", "--offline");

        Assert.True(code == 0, stderr);
        Assert.Contains("agentretrieval models pull clip-vit-base-patch32", stderr);
        Assert.Contains("onnx/text_model.onnx", stderr);
        using JsonDocument doc = JsonDocument.Parse(stdout);
        Assert.StartsWith("offline-resnet18-minilm@", doc.RootElement.GetProperty("model").GetString());
        Assert.Equal(512, doc.RootElement.GetProperty("vector").GetArrayLength());
    }

    [Fact]
    public async Task Chat_FreshMachineOffline_MainJobWorksWithOfflineDefault()
    {
        using var home = new TempDirectory();

        (int code, string stdout, string stderr) = await new CliRunner(home.Path).RunWithInputAsync("a plate of food\n/quit\n",
            "chat", Path.Combine(SharedFixtures.Data, "demo-gallery"), "--offline", "--json");

        Assert.True(code == 0, stderr);
        Assert.Contains("offline default", stderr);
        using JsonDocument turn = JsonDocument.Parse(stdout.Split('\n').First(l => l.StartsWith('{')));
        Assert.Equal(10, turn.RootElement.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task Embed_WrongModelFolder_ClearError()
    {
        using var home = new TempDirectory();

        (int code, _, string stderr) = await new CliRunner(home.Path).RunAsync("embed", "--text", "a dog", "--model", home.Path);

        Assert.Equal(1, code);
        Assert.Contains("not a usable model folder", stderr);
        Assert.Contains("Immich's layout", stderr);
    }

    [Fact]
    public async Task Embed_ImmichFolderMissingAFile_SaysWhichFileIsMissing()
    {
        using var home = new TempDirectory();
        using var model = new TempDirectory();
        Directory.CreateDirectory(model.Combine("textual"));
        File.Copy(Path.Combine(SharedFixtures.MClipTiny, "config.json"), model.Combine("config.json"));
        File.Copy(Path.Combine(SharedFixtures.MClipTiny, "textual", "model.onnx"), model.Combine("textual", "model.onnx"));

        (int code, _, string stderr) = await new CliRunner(home.Path).RunAsync("embed", "--text", "a dog", "--model", model.Path);

        Assert.Equal(1, code);
        Assert.Contains("textual/tokenizer.json", stderr);
        Assert.Contains("visual/model.onnx", stderr);
    }

    public static TheoryData<string, string, string, string> FixtureStrings() => new()
    {
        { "siglip-tiny", "A PHOTO OF A DOG!", "ids_padded64", "text_embeds" },
        { "siglip-tiny", "ＦＵＬＬ ｗｉｄｔｈ ａｂｃ １２３", "ids_padded64", "text_embeds" },
        { "siglip-immich-tiny", "İstanbul'da köprü", "ids", "embedding" },
        { "mclip-tiny", "emoji 🐶🏖️ on the beach", "ids", "embedding" },
        { "mclip-tiny", "ＦＵＬＬ ｗｉｄｔｈ ａｂｃ １２３", "ids", "embedding" },
    };

    [Theory]
    [MemberData(nameof(FixtureStrings))]
    public async Task Embed_FixtureText_PrintsTheReferenceIdsAndVector(string fixture, string text, string idsField, string vectorField)
    {
        string folder = SharedFixtures.Require("fixtures/" + fixture);
        System.Text.Json.JsonElement entry = ReferenceData.LoadFrom(folder).GetProperty("text").EnumerateArray().First(e => e.GetProperty("text").GetString() == text);
        using var home = new TempDirectory();

        (int code, string stdout, string stderr) = await new CliRunner(home.Path).RunAsync("embed", "--text", text, "--model", folder, "--json");

        Assert.True(code == 0, stderr);
        using var json = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.Equal(ReferenceData.Ints(entry.GetProperty(idsField)), ReferenceData.Ints(json.RootElement.GetProperty("input_ids")));
        double cosine = ReferenceData.Cosine(ReferenceData.Floats(entry.GetProperty(vectorField)), ReferenceData.Floats(json.RootElement.GetProperty("vector")));
        Assert.True(cosine >= 0.9999, $"cosine {cosine}");
    }

    [Fact]
    public async Task Embed_SiglipTextAndImageWithRecordedScale_PrintsTheReferenceProbability()
    {
        string folder = SharedFixtures.SiglipTiny;
        System.Text.Json.JsonElement reference = ReferenceData.LoadFrom(folder);
        using var home = new TempDirectory();
        var runner = new CliRunner(home.Path) { Environment = { ["AGENTRETRIEVAL_Clip__LogitScale"] = "10", ["AGENTRETRIEVAL_Clip__LogitBias"] = "-10" } };

        (int code, string stdout, string stderr) = await runner.RunAsync("embed", "--text", "a photo of a dog", "--image", Path.Combine(SharedFixtures.ClipTiny, "images", "australia.jpg"), "--model", folder, "--json");

        Assert.True(code == 0, stderr);
        using var json = System.Text.Json.JsonDocument.Parse(stdout);
        double expected = reference.GetProperty("probability_text_x_image")[0][0].GetDouble();
        Assert.True(Math.Abs(expected - json.RootElement.GetProperty("probability").GetDouble()) <= 1e-3, stdout);
    }
}
