using System.Diagnostics;
using System.Text.Json;

namespace AgentRetrieval.Tests.Commands;

/// <summary>
/// The search plan through the real program: a library whose dates, places and cameras are only in EXIF (written with
/// exiftool; file times deliberately unrelated) and a photo with words in it (rendered with ImageMagick), indexed with
/// the metadata pass and OCR, then searched with natural requests.
/// </summary>
public sealed class SearchPlanCommandTests
{
    private static string[] Common(TempDirectory home) => ["--model", SharedFixtures.ClipTiny, "--index", home.Combine("index")];

    private static void Tool(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} failed: {err}");
    }

    private static string MakeLibrary(TempDirectory home)
    {
        string exiftool = new[] { "/usr/bin/exiftool", "/usr/local/bin/exiftool" }.FirstOrDefault(File.Exists) ?? "";
        if (exiftool.Length == 0 || !File.Exists("/usr/bin/convert"))
        {
            const string message = "This test needs exiftool (libimage-exiftool-perl) and ImageMagick; .ci/run installs them.";
            if (string.Equals(System.Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
        }

        string lib = home.Combine("library");
        Directory.CreateDirectory(Path.Combine(lib, "Holidays"));
        string gallery = Path.Combine(SharedFixtures.Data, "demo-gallery");
        string[] photos = Directory.GetFiles(gallery, "coco_*.jpg").Order(StringComparer.Ordinal).ToArray();
        (string Name, string[] Tags)[] library =
        [
            ("lisbon.jpg", ["-DateTimeOriginal=2019:03:05 14:30:00", "-OffsetTimeOriginal=+00:00", "-Make=NIKON CORPORATION", "-Model=NIKON D750", "-GPSLatitude=38.7223", "-GPSLatitudeRef=N", "-GPSLongitude=9.1393", "-GPSLongitudeRef=W"]),
            ("tokyo.jpg", ["-DateTimeOriginal=2019:07:20 21:00:00", "-Make=Apple", "-Model=iPhone 12", "-GPSLatitude=35.6762", "-GPSLatitudeRef=N", "-GPSLongitude=139.6503", "-GPSLongitudeRef=E"]),
            ("Holidays/sydney.jpg", ["-DateTimeOriginal=2021:08:01 10:00:00", "-Make=Apple", "-Model=iPhone 12", "-GPSLatitude=33.8688", "-GPSLatitudeRef=S", "-GPSLongitude=151.2093", "-GPSLongitudeRef=E"]),
            ("Holidays/xmas.jpg", ["-CreateDate=2021:12:25 09:00:00", "-Make=Canon", "-Model=Canon EOS 5D Mark IV"]),
            ("undated.jpg", []),
        ];
        for (int i = 0; i < library.Length; i++)
        {
            string path = Path.Combine(lib, library[i].Name);
            File.Copy(photos[i + 1], path);
            if (library[i].Tags.Length > 0)
            {
                Tool(exiftool, ["-q", "-overwrite_original", .. library[i].Tags, path]);
            }

            File.SetLastWriteTimeUtc(path, new DateTime(2010, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        }

        Tool("/usr/bin/convert", "-size", "900x300", "xc:white", "-gravity", "center", "-font", "DejaVu-Sans", "-pointsize", "64", "-fill", "black", "-annotate", "+0+0", "FRESH FISH", Path.Combine(lib, "market.png"));
        return lib;
    }

    private static async Task<JsonElement> SearchAsync(CliRunner cli, TempDirectory home, params string[] args)
    {
        (int code, string stdout, string stderr) = await cli.RunAsync(["search", .. args, "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    private static string[] Names(JsonElement result) => [.. result.GetProperty("results").EnumerateArray().Select(r => Path.GetFileName(r.GetProperty("path").GetString()!)).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Search_NaturalRequests_FiltersSelectExactlyAndTextComesFirst()
    {
        using var home = new TempDirectory();
        string lib = MakeLibrary(home);
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Indexing__Ocr"] = "true";
        (int code, string stdout, string stderr) = await cli.RunAsync(["index", lib, "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        Assert.True(JsonDocument.Parse(stdout).RootElement.GetProperty("text").GetProperty("with_text").GetInt32() >= 1, stdout);

        JsonElement y2019 = await SearchAsync(cli, home, "photos from 2019");
        Assert.Equal(["lisbon.jpg", "tokyo.jpg"], Names(y2019));
        Assert.Equal("2019-01-01", y2019.GetProperty("plan").GetProperty("date").GetProperty("from").GetString());
        JsonElement first = y2019.GetProperty("results")[0];
        Assert.Equal("tokyo.jpg", Path.GetFileName(first.GetProperty("path").GetString())); // newest first
        Assert.Equal("2019-07-20T21:00:00", first.GetProperty("taken_at").GetString());
        Assert.Equal("Tokyo, Japan", first.GetProperty("place").GetString());
        Assert.Equal("Apple iPhone 12", first.GetProperty("camera").GetString());

        Assert.Equal(["sydney.jpg", "tokyo.jpg"], Names(await SearchAsync(cli, home, "shot on an iPhone")));
        Assert.Equal(["lisbon.jpg"], Names(await SearchAsync(cli, home, "photos from Lisbon taken with the Nikon")));
        Assert.Equal(["xmas.jpg"], Names(await SearchAsync(cli, home, "christmas 2021")));
        Assert.Equal(["sydney.jpg", "xmas.jpg"], Names(await SearchAsync(cli, home, "photos", "--folder", "Holidays")));

        JsonElement none = await SearchAsync(cli, home, "photos from Japan in 2020");
        Assert.Empty(none.GetProperty("results").EnumerateArray());
        Assert.Contains("No photos match these filters", none.GetProperty("message").GetString());

        JsonElement sign = await SearchAsync(cli, home, "the sign that says fresh fish");
        Assert.Equal("market.png", Path.GetFileName(sign.GetProperty("results")[0].GetProperty("path").GetString()));
        Assert.Contains("FISH", sign.GetProperty("results")[0].GetProperty("text").GetString(), StringComparison.OrdinalIgnoreCase);

        JsonElement night = await SearchAsync(cli, home, "beach photos, not at night");
        Assert.Equal("night", night.GetProperty("plan").GetProperty("negative_terms")[0].GetString());
        Assert.DoesNotContain("night", night.GetProperty("plan").GetProperty("visual_query").GetString());
    }

    [Fact]
    public async Task Chat_OfflineDefault_ShowsAndAppliesThePlan()
    {
        using var home = new TempDirectory();
        string lib = MakeLibrary(home);
        var cli = new CliRunner(home.Path);
        (int code, string stdout, string stderr) = await cli.RunWithInputAsync("photos from 2019\nany year, not at night\n/filters\n/foo\n",
            ["chat", lib, "--json", "--offline", "--model", "offline-default", "--index", home.Combine("index")]);

        Assert.True(code == 0, stderr);
        JsonElement[] turns = [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
        Assert.Equal(2, turns.Length);
        Assert.Equal("2019-12-31", turns[0].GetProperty("plan").GetProperty("date").GetProperty("to").GetString());
        Assert.Equal(2, turns[0].GetProperty("total_matches").GetInt32());
        Assert.Equal(JsonValueKind.Null, turns[1].GetProperty("plan").GetProperty("date").ValueKind);
        Assert.Equal("night", turns[1].GetProperty("plan").GetProperty("negative_terms")[0].GetString());
        Assert.Contains("Unknown command /foo", stderr);
    }
}
