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
        Assert.Contains("not a usable CLIP model folder", stderr);
    }
}
