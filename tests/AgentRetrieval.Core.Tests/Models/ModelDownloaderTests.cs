using AgentRetrieval.Models;
using AgentRetrieval.Tests;

namespace AgentRetrieval.Tests.Models;

public sealed class ModelDownloaderTests
{
    private static readonly ModelEntry s_model = new()
    {
        Name = "tiny",
        Repository = "owner/repo",
        Revision = "main",
        Files = [new ModelFile { Path = "config.json" }],
        Variants = new Dictionary<string, IReadOnlyList<ModelFile>> { ["full"] = [new ModelFile { Path = "onnx/text_model.onnx" }] },
    };

    private static Dictionary<string, byte[]> Files() => new()
    {
        ["config.json"] = "{\"projection_dim\": 16}"u8.ToArray(),
        ["onnx/text_model.onnx"] = [.. Enumerable.Range(0, 300_000).Select(i => (byte)(i * 31))],
    };

    private static ModelDownloader Downloader(FakeHub hub, HttpClient http) => new(http, hub.BaseUri, maxAttempts: 3, retryDelay: TimeSpan.FromMilliseconds(10));

    [Fact]
    public async Task PullAsync_GoodRepository_InstallsVerifiedFiles()
    {
        using var hub = new FakeHub(Files());
        using var http = new HttpClient();
        using var dir = new TempDirectory();

        await Downloader(hub, http).PullAsync(s_model, "full", dir.Path, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(ModelDownloader.IsInstalled(dir.Path));
        Assert.Equal(Files()["onnx/text_model.onnx"], File.ReadAllBytes(dir.Combine("onnx", "text_model.onnx")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task PullAsync_WrongChecksum_FailsAndLeavesNoModel()
    {
        using var hub = new FakeHub(Files());
        hub.ListedShaOverride["onnx/text_model.onnx"] = new string('0', 64);
        using var http = new HttpClient();
        using var dir = new TempDirectory();

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Downloader(hub, http).PullAsync(s_model, "full", dir.Path, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("checksum mismatch", ex.Message);
        Assert.False(ModelDownloader.IsInstalled(dir.Path));
        Assert.False(File.Exists(dir.Combine("onnx", "text_model.onnx")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task PullAsync_BrokenConnection_ResumesWithRangeAndVerifies()
    {
        using var hub = new FakeHub(Files());
        hub.BreakNext["onnx/text_model.onnx"] = 1;
        using var http = new HttpClient();
        using var dir = new TempDirectory();

        await Downloader(hub, http).PullAsync(s_model, "full", dir.Path, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(ModelDownloader.IsInstalled(dir.Path));
        Assert.Single(hub.RangeRequests, r => r.StartsWith("onnx/text_model.onnx:bytes=", StringComparison.Ordinal) && !r.EndsWith("=0-", StringComparison.Ordinal));
        Assert.Equal(Files()["onnx/text_model.onnx"], File.ReadAllBytes(dir.Combine("onnx", "text_model.onnx")));
    }

    [Fact]
    public async Task PullAsync_ConnectionKeepsBreaking_FailsWithoutInstalling()
    {
        using var hub = new FakeHub(Files());
        hub.BreakNext["onnx/text_model.onnx"] = 100;
        using var http = new HttpClient();
        using var dir = new TempDirectory();

        await Assert.ThrowsAnyAsync<Exception>(() => Downloader(hub, http).PullAsync(s_model, "full", dir.Path, cancellationToken: TestContext.Current.CancellationToken));

        Assert.False(ModelDownloader.IsInstalled(dir.Path));
        Assert.False(File.Exists(dir.Combine("onnx", "text_model.onnx")));
    }

    [Fact]
    public async Task PullAsync_AlreadyInstalled_DownloadsNothing()
    {
        using var hub = new FakeHub(Files());
        using var http = new HttpClient();
        using var dir = new TempDirectory();
        await Downloader(hub, http).PullAsync(s_model, "full", dir.Path, cancellationToken: TestContext.Current.CancellationToken);
        int requests = hub.FileRequests;

        await Downloader(hub, http).PullAsync(s_model, "full", dir.Path, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(requests, hub.FileRequests);
    }

    [Fact]
    public void Manifest_ListsBaseAndLargeModelsWithFullAndQuantizedFiles()
    {
        ModelManifest manifest = ModelManifest.Load(Path.Combine(SharedFixtures.RepositoryRoot, "models", "manifest.json"));

        foreach (string name in new[] { "clip-vit-base-patch32", "clip-vit-large-patch14" })
        {
            ModelEntry m = manifest.Find(name);
            Assert.Contains(m.FilesFor("full"), f => f.Path == "onnx/vision_model.onnx" && f.SizeMb > 100);
            Assert.Contains(m.FilesFor("quantized"), f => f.Path == "onnx/text_model_quantized.onnx");
        }

        Assert.Equal("clip-vit-base-patch32", manifest.Default);
        Assert.Throws<KeyNotFoundException>(() => manifest.Find("nope"));
    }
}
