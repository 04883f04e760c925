using System.Text.Json;

namespace AgentRetrieval.Tests.Commands;

/// <summary>Index and search through the real program, with the CLIP fixture model.</summary>
public sealed class IndexAndSearchCommandTests
{
    private static string[] Common(TempDirectory home) => ["--model", SharedFixtures.ClipTiny, "--index", home.Combine("index")];

    private static string MakePhotos(TempDirectory home, int count)
    {
        string photos = home.Combine("photos");
        Directory.CreateDirectory(Path.Combine(photos, "sub"));
        string[] files = Directory.GetFiles(Path.Combine(SharedFixtures.Data, "coco-mini", "images"), "*.jpg").Order(StringComparer.Ordinal).Take(count).ToArray();
        for (int i = 0; i < files.Length; i++)
        {
            File.Copy(files[i], Path.Combine(photos, i % 2 == 0 ? "" : "sub", Path.GetFileName(files[i])));
        }

        return photos;
    }

    [Fact]
    public async Task IndexThenSearch_TextAndImage_TableAndJson()
    {
        using var home = new TempDirectory();
        string photos = MakePhotos(home, 12);
        File.WriteAllBytes(Path.Combine(photos, "broken.jpg"), [0xFF, 0xD8, 0xFF, 0x00, 0x01]);
        var cli = new CliRunner(home.Path);

        (int code, string stdout, string stderr) = await cli.RunAsync(["index", photos, "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        using JsonDocument report = JsonDocument.Parse(stdout);
        Assert.Equal(12, report.RootElement.GetProperty("embedded").GetInt32());
        Assert.Equal("broken.jpg", Path.GetFileName(report.RootElement.GetProperty("skipped")[0].GetProperty("path").GetString()));

        (code, stdout, stderr) = await cli.RunAsync(["search", "a dog playing in the snow", "--top", "5", "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        using JsonDocument hits = JsonDocument.Parse(stdout);
        JsonElement results = hits.RootElement.GetProperty("results");
        Assert.Equal(5, results.GetArrayLength());
        Assert.True(results[0].GetProperty("score").GetDouble() >= results[4].GetProperty("score").GetDouble());
        Assert.StartsWith(photos, results[0].GetProperty("path").GetString());

        string query = Directory.GetFiles(photos, "*.jpg", SearchOption.AllDirectories).Where(f => !f.EndsWith("broken.jpg")).Order(StringComparer.Ordinal).First();
        (code, stdout, stderr) = await cli.RunAsync(["search", "--image", query, "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        using JsonDocument byImage = JsonDocument.Parse(stdout);
        Assert.Equal(query, byImage.RootElement.GetProperty("results")[0].GetProperty("path").GetString());
        Assert.Equal(1.0, byImage.RootElement.GetProperty("results")[0].GetProperty("score").GetDouble(), 4);

        (code, stdout, stderr) = await cli.RunAsync(["search", "a dog", .. Common(home)]);
        Assert.True(code == 0, stderr);
        Assert.Contains("rank", stdout);
        Assert.Contains("score", stdout);
        Assert.Equal(10, stdout.Split('\n').Count(l => l.Contains(photos[..Math.Min(photos.Length, 20)], StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Index_RerunAndMove_EmbedsNothing()
    {
        using var home = new TempDirectory();
        string photos = MakePhotos(home, 6);
        var cli = new CliRunner(home.Path);
        (int code, _, string stderr) = await cli.RunAsync(["index", photos, "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);

        (code, string again, stderr) = await cli.RunAsync(["index", photos, "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        string moved = Directory.GetFiles(Path.Combine(photos, "sub"))[0];
        Directory.CreateDirectory(Path.Combine(photos, "elsewhere"));
        File.Move(moved, Path.Combine(photos, "elsewhere", "renamed.jpg"));
        (code, string afterMove, stderr) = await cli.RunAsync(["index", photos, "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);

        using JsonDocument a = JsonDocument.Parse(again);
        using JsonDocument m = JsonDocument.Parse(afterMove);
        Assert.Equal(0, a.RootElement.GetProperty("embedded").GetInt32());
        Assert.Equal(6, a.RootElement.GetProperty("unchanged").GetInt32());
        Assert.Equal(0, m.RootElement.GetProperty("embedded").GetInt32());
        Assert.Equal(1, m.RootElement.GetProperty("reused").GetInt32());
        Assert.Equal(1, m.RootElement.GetProperty("removed").GetInt32());
        Assert.Equal(6, m.RootElement.GetProperty("indexed_images").GetInt32());
    }

    [Fact]
    public async Task Index_KilledMidRun_RerunEndsCompleteAndConsistent()
    {
        using var home = new TempDirectory();
        string photos = MakePhotos(home, 80);
        var cli = new CliRunner(home.Path);

        using (System.Diagnostics.Process p = cli.Start(["index", photos, "--batch-size", "2", .. Common(home)]))
        {
            // Kill as soon as the first batches have committed, reading the catalogue as another process would.
            string catalog = home.Combine("index", "catalog.db");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!p.HasExited && DateTime.UtcNow < deadline && CommittedFiles(catalog) < 4)
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            Assert.False(p.HasExited, "the run finished before it could be killed; make the folder bigger");
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        // A torn write at the end of every vector file, as a power cut mid-append leaves it.
        foreach (string f in Directory.GetFiles(home.Combine("index"), "vectors-*"))
        {
            using var s = new FileStream(f, FileMode.Append);
            s.Write(new byte[] { 1, 2, 3, 4, 5, 6, 7 });
        }

        (int code, string stdout, string stderr) = await cli.RunAsync(["index", photos, "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        using JsonDocument report = JsonDocument.Parse(stdout);
        int unchanged = report.RootElement.GetProperty("unchanged").GetInt32();
        Assert.InRange(unchanged, 1, 79);
        Assert.Equal(80, unchanged + report.RootElement.GetProperty("embedded").GetInt32() + report.RootElement.GetProperty("reused").GetInt32());
        Assert.Equal(80, report.RootElement.GetProperty("indexed_images").GetInt32());

        (code, stdout, _) = await cli.RunAsync(["index", photos, "--json", .. Common(home)]);
        using JsonDocument final = JsonDocument.Parse(stdout);
        Assert.Equal(80, final.RootElement.GetProperty("unchanged").GetInt32());
        Assert.Equal(0, (await cli.RunAsync(["index", "--verify", .. Common(home)])).ExitCode);
    }

    [Fact]
    public async Task Index_KilledAtRandomMoments_EveryRerunConsistentAndFinallyComplete()
    {
        using var home = new TempDirectory();
        string photos = MakePhotos(home, 60);
        var cli = new CliRunner(home.Path);
        var random = new Random(20261127);
        for (int round = 0; round < 3; round++)
        {
            using (System.Diagnostics.Process p = cli.Start(["index", photos, "--batch-size", "3", .. Common(home)]))
            {
                await Task.Delay(random.Next(300, 1_500), TestContext.Current.CancellationToken);
                if (!p.HasExited)
                {
                    p.Kill(entireProcessTree: true);
                }

                await p.WaitForExitAsync(TestContext.Current.CancellationToken);
            }

            // Whatever the moment, what is there is consistent: the check passes and every listed image is servable.
            (int check, string report, string error) = await cli.RunAsync(["index", "--verify", "--json", .. Common(home)]);
            if (File.Exists(home.Combine("index", "catalog.db")))
            {
                Assert.True(check == 0, report + error);
            }
        }

        (int code, string stdout, string stderr) = await cli.RunAsync(["index", photos, "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        Assert.Equal(60, JsonDocument.Parse(stdout).RootElement.GetProperty("indexed_images").GetInt32());
        (code, stdout, _) = await cli.RunAsync(["search", "a photo of a dog", "--top", "100", "--json", .. Common(home)]);
        Assert.Equal(0, code);
        Assert.Equal(60, JsonDocument.Parse(stdout).RootElement.GetProperty("results").GetArrayLength());
    }

    private static long CommittedFiles(string catalog)
    {
        if (!File.Exists(catalog))
        {
            return 0;
        }

        try
        {
            using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={catalog};Mode=ReadOnly;Pooling=False");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM files";
            return (long)cmd.ExecuteScalar()!;
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return 0;
        }
    }

    [Theory]
    [InlineData("", "Give a text")]
    [InlineData("   ", "Give a text")]
    public async Task Search_EmptyQuery_ClearError(string query, string expected)
    {
        using var home = new TempDirectory();

        (int code, _, string stderr) = await new CliRunner(home.Path).RunAsync(["search", query, .. Common(home)]);

        Assert.Equal(1, code);
        Assert.Contains(expected, stderr);
    }

    [Fact]
    public async Task Search_OverLongQueryOrNoIndex_ClearErrors()
    {
        using var home = new TempDirectory();
        var cli = new CliRunner(home.Path);

        (int code, _, string stderr) = await cli.RunAsync(["search", new string('x', 5000), .. Common(home)]);
        Assert.Equal(1, code);
        Assert.Contains("limit is 2000", stderr);

        (code, _, stderr) = await cli.RunAsync(["search", "a dog", .. Common(home)]);
        Assert.Equal(1, code);
        Assert.Contains("agentretrieval index <folder>", stderr);
    }

    [Fact]
    public async Task Search_IndexBuiltWithAnotherModel_RefusesWithClearError()
    {
        using var home = new TempDirectory();
        string photos = MakePhotos(home, 2);
        var cli = new CliRunner(home.Path);
        (int code, _, string stderr) = await cli.RunAsync(["index", photos, .. Common(home)]);
        Assert.True(code == 0, stderr);

        (code, _, stderr) = await cli.RunAsync(["search", "a dog", "--variant", "quantized", .. Common(home)]);

        Assert.Equal(1, code);
        Assert.Contains("was built with model 'clip-tiny@", stderr);
    }
}
