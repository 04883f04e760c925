using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace AgentRetrieval.Tests.Commands;

/// <summary>Damaged, empty and full catalogues through the real program.</summary>
public sealed class DamagedIndexCommandTests
{
    private static string[] Common(TempDirectory home) => ["--model", SharedFixtures.ClipTiny, "--index", home.Combine("index")];

    private static string Photos(TempDirectory home, int count)
    {
        string photos = home.Combine("photos");
        Directory.CreateDirectory(photos);
        foreach (string f in Directory.GetFiles(Path.Combine(SharedFixtures.Data, "coco-mini", "images"), "*.jpg").Order(StringComparer.Ordinal).Take(count))
        {
            File.Copy(f, Path.Combine(photos, Path.GetFileName(f)));
        }

        return photos;
    }

    [Fact]
    public async Task IndexRebuild_CatalogueWithDamagedPages_Recovers()
    {
        using var home = new TempDirectory();
        string photos = Photos(home, 6);
        var cli = new CliRunner(home.Path);
        Assert.Equal(0, (await cli.RunAsync(["index", photos, .. Common(home)])).ExitCode);
        string catalog = Path.Combine(home.Combine("index"), "catalog.db");
        foreach (string f in Directory.GetFiles(home.Combine("index"), "catalog.db-*"))
        {
            File.Delete(f);
        }

        byte[] bytes = File.ReadAllBytes(catalog);
        for (int i = 4096; i < bytes.Length; i += 7)
        {
            bytes[i] = 0xA5; // every page after the first damaged
        }

        File.WriteAllBytes(catalog, bytes);

        (int code, string stdout, string stderr) = await cli.RunAsync(["index", photos, "--rebuild", "--json", .. Common(home)]);

        Assert.True(code == 0, stderr);
        Assert.Equal(6, JsonDocument.Parse(stdout).RootElement.GetProperty("indexed_images").GetInt32());
    }

    [Fact]
    public async Task Index_ZeroByteCatalogue_SaysSoInsteadOfStartingOver()
    {
        using var home = new TempDirectory();
        string photos = Photos(home, 2);
        Directory.CreateDirectory(home.Combine("index"));
        File.WriteAllBytes(Path.Combine(home.Combine("index"), "catalog.db"), []);

        (int code, _, string stderr) = await new CliRunner(home.Path).RunAsync(["index", photos, .. Common(home)]);

        Assert.Equal(1, code);
        Assert.Contains("empty (0 bytes)", stderr);
        Assert.Contains("--rebuild", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Verify_DamagedVector_ReportedNeverServedAndEmbeddedAgain()
    {
        using var home = new TempDirectory();
        string photos = Photos(home, 5);
        var cli = new CliRunner(home.Path);
        Assert.Equal(0, (await cli.RunAsync(["index", photos, .. Common(home)])).ExitCode);
        // The first stored value of the first row becomes a float16 NaN (the rows follow a 32-byte header).
        string vectors = Assert.Single(Directory.GetFiles(home.Combine("index"), "vectors-*.f16"));
        using (var f = new FileStream(vectors, FileMode.Open, FileAccess.Write))
        {
            f.Position = 32;
            f.Write([0x00, 0x7E]);
        }

        (int code, string stdout, _) = await cli.RunAsync(["index", "--verify", "--json", .. Common(home)]);
        Assert.Equal(1, code);
        JsonElement report = JsonDocument.Parse(stdout).RootElement;
        Assert.False(report.GetProperty("healthy").GetBoolean());
        Assert.Single(report.GetProperty("invalid_vectors").EnumerateArray());

        (code, stdout, _) = await cli.RunAsync(["search", "a photo", "--top", "10", "--json", .. Common(home)]);
        Assert.Equal(0, code);
        Assert.Equal(4, JsonDocument.Parse(stdout).RootElement.GetProperty("results").GetArrayLength());

        (code, stdout, _) = await cli.RunAsync(["index", photos, "--json", .. Common(home)]);
        Assert.Equal(0, code);
        Assert.Equal(1, JsonDocument.Parse(stdout).RootElement.GetProperty("embedded").GetInt32());
        Assert.Equal(0, (await cli.RunAsync(["index", "--verify", .. Common(home)])).ExitCode);
    }

    [Fact]
    public async Task Index_FileInsteadOfFolder_SaysWhatItIs()
    {
        using var home = new TempDirectory();
        string photos = Photos(home, 1);
        string file = Directory.GetFiles(photos)[0];
        (int code, _, string stderr) = await new CliRunner(home.Path).RunAsync(["index", file, .. Common(home)]);
        Assert.Equal(1, code);
        Assert.Contains("is a file", stderr);
        Assert.DoesNotContain("folder '", stderr.Split('\n')[0].Replace("the folder that holds", "", StringComparison.Ordinal));
    }
}
