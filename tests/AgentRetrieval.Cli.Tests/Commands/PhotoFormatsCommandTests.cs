using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentRetrieval.Tests.Commands;

/// <summary>
/// A phone-and-camera library through the real program: the same shots as JPEG, HEIC and AVIF with their EXIF, a
/// RAW-like camera file with an embedded preview, a RAW without one, truncated HEIC and AVIF files and an ordinary bad file.
/// </summary>
public sealed class PhotoFormatsCommandTests
{
    private static string[] Common(TempDirectory home) => ["--model", SharedFixtures.ClipTiny, "--index", home.Combine("index")];

    private static string Library(TempDirectory home)
    {
        PhotoFormats.RequireTools();
        string gallery = Path.Combine(SharedFixtures.Data, "demo-gallery");
        string lib = home.Combine("lib");
        Directory.CreateDirectory(lib);
        string work = home.Combine("work");
        Directory.CreateDirectory(work);

        // A phone shot kept as JPEG and HEIC (the same EXIF: time and camera).
        string shot = PhotoFormats.Jpeg(Path.Combine(gallery, "coco_000000107438.jpg"), Path.Combine(lib, "IMG_0001.jpg"));
        PhotoFormats.Run(PhotoFormats.ExifTool, "-q", "-overwrite_original", "-DateTimeOriginal=2023:07:14 18:30:05", "-Make=Apple", "-Model=iPhone 14", shot);
        PhotoFormats.Encode(shot, Path.Combine(lib, "IMG_0001.HEIC"), avif: false);

        // Another shot only as AVIF, and a camera RAW with its preview.
        string other = PhotoFormats.Jpeg(Path.Combine(gallery, "coco_000000121647.jpg"), Path.Combine(work, "other.jpg"));
        PhotoFormats.Run(PhotoFormats.ExifTool, "-q", "-overwrite_original", "-DateTimeOriginal=2022:01:02 09:00:00", "-Make=Google", "-Model=Pixel 8", other);
        PhotoFormats.Encode(other, Path.Combine(lib, "PXL_0002.avif"), avif: true);
        string preview = PhotoFormats.Jpeg(Path.Combine(gallery, "coco_000000129648.jpg"), Path.Combine(work, "preview.jpg"));
        PhotoFormats.RawWithPreview(preview, Path.Combine(lib, "DSC_0003.NEF"), 6, "-Make=NIKON CORPORATION", "-Model=NIKON D750", "-DateTimeOriginal=2021:05:06 07:08:09");

        // Bad files: a RAW without a preview, truncated HEIC and AVIF.
        PhotoFormats.RawWithoutPreview(preview, Path.Combine(lib, "IMG_0004.CR2"));
        byte[] heic = File.ReadAllBytes(Path.Combine(lib, "IMG_0001.HEIC"));
        File.WriteAllBytes(Path.Combine(lib, "cut.heic"), heic[..(heic.Length / 2)]);
        byte[] avif = File.ReadAllBytes(Path.Combine(lib, "PXL_0002.avif"));
        File.WriteAllBytes(Path.Combine(lib, "cut.avif"), avif[..(avif.Length / 2)]);
        return lib;
    }

    [Fact]
    public async Task Index_PhoneAndCameraFormats_IndexedWithMetadataBadOnesReported()
    {
        using var home = new TempDirectory();
        string lib = Library(home);
        var cli = new CliRunner(home.Path);

        (int code, string stdout, string stderr) = await cli.RunAsync(["index", lib, "--json", .. Common(home)]);

        Assert.True(code == 0, stderr);
        JsonElement report = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(4, report.GetProperty("embedded").GetInt32());
        Dictionary<string, string> skipped = report.GetProperty("skipped").EnumerateArray()
            .ToDictionary(s => Path.GetFileName(s.GetProperty("path").GetString()!), s => s.GetProperty("reason").GetString()!);
        Assert.Equal(["IMG_0004.CR2", "cut.avif", "cut.heic"], skipped.Keys.Order(StringComparer.Ordinal));
        Assert.Matches("RAW file (without an embedded JPEG preview|whose only embedded JPEG is a .* thumbnail)", skipped["IMG_0004.CR2"]);
        Assert.Contains("truncated", skipped["cut.heic"]);
        Assert.Contains("truncated", skipped["cut.avif"]);

        (code, stdout, stderr) = await cli.RunAsync(["search", "photos", "--sort", "date", "--top", "10", "--json", .. Common(home)]);
        Assert.True(code == 0, stderr);
        JsonElement[] results = [.. JsonDocument.Parse(stdout).RootElement.GetProperty("results").EnumerateArray()];
        JsonElement Of(string file) => results.Single(r => Path.GetFileName(r.GetProperty("path").GetString()) == file
            || r.GetProperty("also").EnumerateArray().Any(a => Path.GetFileName(a.GetString()) == file));
        Assert.Equal(("2022-01-02T09:00:00", "Google Pixel 8"), (Of("PXL_0002.avif").GetProperty("taken_at").GetString(), Of("PXL_0002.avif").GetProperty("camera").GetString()));
        Assert.Equal(("2021-05-06T07:08:09", "NIKON D750"), (Of("DSC_0003.NEF").GetProperty("taken_at").GetString(), Of("DSC_0003.NEF").GetProperty("camera").GetString()));

        // The HEIC and its JPEG are one result with both paths.
        JsonElement phone = Of("IMG_0001.HEIC");
        string[] paths = [Path.GetFileName(phone.GetProperty("path").GetString()!), .. phone.GetProperty("also").EnumerateArray().Select(a => Path.GetFileName(a.GetString()!))];
        Assert.Equal(["IMG_0001.HEIC", "IMG_0001.jpg"], paths.Order(StringComparer.Ordinal));
        Assert.Equal(3, results.Length);
    }

    [Fact]
    public async Task SearchImage_TheJpeg_FindsItsHeicTwinFirst()
    {
        using var home = new TempDirectory();
        string lib = Library(home);
        var cli = new CliRunner(home.Path);
        Assert.Equal(0, (await cli.RunAsync(["index", lib, .. Common(home)])).ExitCode);
        string outside = home.Combine("query.jpg");
        File.Copy(Path.Combine(lib, "IMG_0001.jpg"), outside);

        (int code, string stdout, string stderr) = await cli.RunAsync(["search", "--image", outside, "--json", .. Common(home)]);

        Assert.True(code == 0, stderr);
        JsonElement first = JsonDocument.Parse(stdout).RootElement.GetProperty("results")[0];
        string[] files = [Path.GetFileName(first.GetProperty("path").GetString()!), .. first.GetProperty("also").EnumerateArray().Select(a => Path.GetFileName(a.GetString()!))];
        Assert.Contains("IMG_0001.HEIC", files);
        Assert.True(first.GetProperty("score").GetDouble() > 0.95, stdout);
    }

    [Fact]
    public async Task Mcp_SearchOverPhoneLibrary_TheTwinsAreOneResultWithBothFiles()
    {
        using var home = new TempDirectory();
        string lib = Library(home);
        CancellationToken ct = TestContext.Current.CancellationToken;
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = "dotnet",
            Arguments = [CliRunner.Program, "mcp", "--model", SharedFixtures.ClipTiny, "--index", home.Combine("index"), "--allow-index", lib],
            EnvironmentVariables = new Dictionary<string, string?> { ["HOME"] = home.Path, ["AGENTRETRIEVAL_Indexing__Ocr"] = "false" },
        });
        await using McpClient client = await McpClient.CreateAsync(transport, cancellationToken: ct);
        CallToolResult indexed = await client.CallToolAsync("index_folder", new Dictionary<string, object?> { ["path"] = lib }, cancellationToken: ct);
        Assert.NotEqual(true, indexed.IsError);

        CallToolResult found = await client.CallToolAsync("search_images", new Dictionary<string, object?> { ["query"] = "a photo", ["top"] = 10 }, cancellationToken: ct);

        JsonElement[] results = [.. found.StructuredContent!.Value.GetProperty("results").EnumerateArray()];
        Assert.Equal(3, results.Length);
        JsonElement phone = results.Single(r => Path.GetFileName(r.GetProperty("path").GetString()!).StartsWith("IMG_0001", StringComparison.Ordinal));
        string[] files = [Path.GetFileName(phone.GetProperty("path").GetString()!), .. phone.GetProperty("also").EnumerateArray().Select(a => Path.GetFileName(a.GetString()!))];
        Assert.Equal(["IMG_0001.HEIC", "IMG_0001.jpg"], files.Order(StringComparer.Ordinal));
        Assert.Contains("also=", ((TextContentBlock)found.Content[0]).Text);
    }
}
