using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentRetrieval.Web;
using Microsoft.AspNetCore.TestHost;

namespace AgentRetrieval.Tests;

/// <summary>The endpoints through the ASP.NET Core test host.</summary>
public sealed class ChatWebAppEndpointTests
{
    private static async Task<string> NewSessionAsync(HttpClient client)
    {
        HttpResponseMessage r = await client.PostAsync("/api/sessions", null, TestContext.Current.CancellationToken);
        return (await r.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("sessionId").GetString()!;
    }

    private static async Task<List<(string Event, JsonElement Data)>> TurnAsync(HttpClient client, string session, string message)
    {
        HttpResponseMessage r = await client.PostAsJsonAsync($"/api/sessions/{session}/turns", new { message }, TestContext.Current.CancellationToken);
        Assert.Equal("text/event-stream", r.Content.Headers.ContentType?.MediaType);
        string body = await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var events = new List<(string, JsonElement)>();
        foreach (string frame in body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            string[] lines = frame.Split('\n');
            events.Add((lines[0]["event: ".Length..], JsonDocument.Parse(lines[1]["data: ".Length..]).RootElement.Clone()));
        }

        return events;
    }

    [Fact]
    public async Task Turn_StreamsStagesDeltasAndResult_ThumbnailsById()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: true);
        HttpClient client = bed.App.GetTestClient();
        string session = await NewSessionAsync(client);

        List<(string Event, JsonElement Data)> events = await TurnAsync(client, session, "an astronaut");

        Assert.Equal(["stage", "stage", "candidates", "stage"], events.Take(4).Select(e => e.Event));
        Assert.Equal(10, events[2].Data.GetProperty("results").GetArrayLength());
        Assert.Contains(events, e => e.Event == "delta");
        JsonElement result = events.Single(e => e.Event == "result").Data;
        Assert.Equal(10, result.GetProperty("results").GetArrayLength());
        long id = result.GetProperty("results")[0].GetProperty("id").GetInt64();
        Assert.Equal(id, result.GetProperty("pick").GetInt64());

        HttpResponseMessage thumb = await client.GetAsync($"/api/images/{id}/thumbnail", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, thumb.StatusCode);
        Assert.Equal("image/jpeg", thumb.Content.Headers.ContentType?.MediaType);
        byte[] first = await thumb.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        Assert.True(Directory.GetFiles(Path.Combine(bed.Index.Directory, "thumbnails")).Length == 1, "the thumbnail is cached on disk");
        byte[] again = await client.GetByteArrayAsync($"/api/images/{id}/thumbnail", TestContext.Current.CancellationToken);
        Assert.Equal(first, again);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/images/{id}", TestContext.Current.CancellationToken)).StatusCode);
    }

    [Fact]
    public async Task Index_ServerStopsMidRun_RunStopsBeforeTheModelIsDisposed()
    {
        // Before the fix the run went on after the host disposed the model: ONNX Runtime crashed the process (SIGSEGV).
        using var dir = new TempDirectory();
        for (int i = 0; i < 300; i++)
        {
            File.WriteAllBytes(dir.Combine($"p{i:000}.jpg"), TestImages.Jpeg(900 + (i % 30), 700 + (i / 30), (byte)i));
        }

        WebTestBed bed = await WebTestBed.StartAsync(testServer: true, o => o.IndexableFolders.Add(dir.Path));
        HttpClient client = bed.App.GetTestClient();
        HttpResponseMessage started = await client.PostAsJsonAsync("/api/index", new { folder = dir.Path }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        for (int i = 0; i < 200; i++)
        {
            JsonElement p = JsonDocument.Parse(await client.GetStringAsync("/api/index", TestContext.Current.CancellationToken)).RootElement;
            if (p.GetProperty("passes")[0].GetProperty("done").GetInt32() > 0)
            {
                break;
            }

            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        int indexed = bed.Index.Count;
        await bed.DisposeAsync();

        Assert.InRange(indexed, 30, 329);
    }

    [Fact]
    public async Task Library_DescribedPhotos_CountedAndShownWithResults()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: true);
        HttpClient client = bed.App.GetTestClient();
        JsonElement before = JsonDocument.Parse(await client.GetStringAsync("/api/library", TestContext.Current.CancellationToken)).RootElement;
        (long id, string path) = bed.Index.ListImages().Select(i => (i.Id, i.Path)).First(i => i.Path.Contains("astronaut", StringComparison.Ordinal));
        bed.Index.SetDescription(bed.Index.GetEntry(id)!.Hash, "test:describer", "{}", "an astronaut in a white suit\nhelmet, flag");

        JsonElement after = JsonDocument.Parse(await client.GetStringAsync("/api/library", TestContext.Current.CancellationToken)).RootElement;
        List<(string Event, JsonElement Data)> events = await TurnAsync(client, await NewSessionAsync(client), "white suit");

        Assert.Equal(0, before.GetProperty("described").GetInt32());
        Assert.Equal(1, after.GetProperty("described").GetInt32());
        JsonElement shown = events.Single(e => e.Event == "result").Data.GetProperty("results").EnumerateArray().First(r => r.GetProperty("id").GetInt64() == id);
        Assert.StartsWith("an astronaut in a white suit", shown.GetProperty("description").GetString());
        Assert.EndsWith(Path.GetFileName(path), shown.GetProperty("path").GetString());
    }

    [Theory]
    [InlineData("/api/images/..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/api/images/../../etc/passwd")]
    [InlineData("/api/images/%2Fetc%2Fpasswd/thumbnail")]
    [InlineData("/api/images/999999")]
    [InlineData("/api/images/1/../../../etc/passwd")]
    [InlineData("/api/images/abc/thumbnail")]
    public async Task Images_PathOrDotDot_Refused(string url)
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: true);
        HttpClient client = bed.App.GetTestClient();

        HttpResponseMessage r = await client.GetAsync(url, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.DoesNotContain("root:", await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Upload_OversizedOrNotAnImage_RefusedWithClearError()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: true);
        HttpClient client = bed.App.GetTestClient();
        string session = await NewSessionAsync(client);

        using var notImage = new MultipartFormDataContent { { new ByteArrayContent("hello"u8.ToArray()), "image", "notes.png" } };
        HttpResponseMessage r1 = await client.PostAsync($"/api/sessions/{session}/image", notImage, TestContext.Current.CancellationToken);
        using var big = new MultipartFormDataContent { { new ByteArrayContent(new byte[3 * 1024 * 1024]), "image", "big.jpg" } };
        HttpResponseMessage r2 = await client.PostAsync($"/api/sessions/{session}/image", big, TestContext.Current.CancellationToken);
        using var bomb = new MultipartFormDataContent { { new ByteArrayContent(TestImages.BombPng(30_000, 30_000)), "image", "bomb.png" } };
        HttpResponseMessage r3 = await client.PostAsync($"/api/sessions/{session}/image", bomb, TestContext.Current.CancellationToken);
        using var good = new MultipartFormDataContent { { new ByteArrayContent(TestImages.Png(40, 30, 3)), "image", "ok.png" } };
        HttpResponseMessage r4 = await client.PostAsync($"/api/sessions/{session}/image", good, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, r1.StatusCode);
        Assert.Contains("cannot be used as an image", await r1.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r2.StatusCode);
        Assert.Contains("larger than", await r2.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.BadRequest, r3.StatusCode);
        string bombMessage = await r3.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Contains("megapixels", bombMessage);
        Assert.Contains("Web:MaxUploadPixels", bombMessage);
        Assert.DoesNotContain("Indexing:MaxPixels", bombMessage);
        Assert.Equal(HttpStatusCode.NoContent, r4.StatusCode);
        List<(string Event, JsonElement Data)> turn = await TurnAsync(client, session, "");
        Assert.Contains("an image query", turn.First(e => e.Event == "stage" && e.Data.GetProperty("stage").GetString() == "retrieve").Data.GetProperty("detail").GetString());
        Assert.True(turn.Single(e => e.Event == "result").Data.GetProperty("imageQuery").GetBoolean());

        // The active image query is shown and can be removed: later turns are text only again.
        HttpResponseMessage removed = await client.DeleteAsync($"/api/sessions/{session}/image", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        List<(string Event, JsonElement Data)> after = await TurnAsync(client, session, "a cat");
        Assert.False(after.Single(e => e.Event == "result").Data.GetProperty("imageQuery").GetBoolean());
        Assert.DoesNotContain("an image query", after.First(e => e.Event == "stage" && e.Data.GetProperty("stage").GetString() == "retrieve").Data.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Feedback_And_Errors_SessionGoesOn()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: true);
        HttpClient client = bed.App.GetTestClient();
        string session = await NewSessionAsync(client);

        List<(string Event, JsonElement Data)> empty = await TurnAsync(client, session, "   ");
        Assert.Equal("error", empty.Single().Event);
        List<(string Event, JsonElement Data)> first = await TurnAsync(client, session, "coins");
        long top = first.Single(e => e.Event == "result").Data.GetProperty("results")[0].GetProperty("id").GetInt64();
        HttpResponseMessage fb = await client.PostAsJsonAsync($"/api/sessions/{session}/feedback", new { id = top, kind = "dislike" }, TestContext.Current.CancellationToken);
        HttpResponseMessage foreign = await client.PostAsJsonAsync($"/api/sessions/{session}/feedback", new { id = 424242, kind = "like" }, TestContext.Current.CancellationToken);
        List<(string Event, JsonElement Data)> second = await TurnAsync(client, session, "");
        HttpResponseMessage expired = await client.PostAsJsonAsync("/api/sessions/nope/turns", new { message = "x" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, fb.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.NotEqual(top, second.Single(e => e.Event == "result").Data.GetProperty("results")[0].GetProperty("id").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
        Assert.Contains("expired", await expired.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Index_OnlyConfiguredFolders()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: true, o => o.IndexableFolders.Add(Path.Combine(SharedFixtures.Data, "demo-gallery")));
        HttpClient client = bed.App.GetTestClient();

        HttpResponseMessage outside = await client.PostAsJsonAsync("/api/index", new { folder = "/etc" }, TestContext.Current.CancellationToken);
        HttpResponseMessage traversal = await client.PostAsJsonAsync("/api/index", new { folder = Path.Combine(SharedFixtures.Data, "demo-gallery", "..", "coco-mini") }, TestContext.Current.CancellationToken);
        HttpResponseMessage ok = await client.PostAsJsonAsync("/api/index", new { folder = Path.Combine(SharedFixtures.Data, "demo-gallery") }, TestContext.Current.CancellationToken);
        JsonElement progress;
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            progress = await client.GetFromJsonAsync<JsonElement>("/api/index", TestContext.Current.CancellationToken);
        }
        while (progress.GetProperty("running").GetBoolean());

        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, traversal.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
        // Already indexed by the test bed: nothing is embedded again (paths may differ when ../shared is a link).
        JsonElement report = progress.GetProperty("report");
        Assert.Equal(0, report.GetProperty("embedded").GetInt32());
        Assert.Equal(30, report.GetProperty("unchanged").GetInt32() + report.GetProperty("reused").GetInt32());
    }

    [Fact]
    public async Task Page_HasStrictContentSecurityPolicy()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: true);
        HttpResponseMessage r = await bed.App.GetTestClient().GetAsync("/", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Contains("script-src 'self'", r.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("<form id=\"composer\"", await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Requests_ForeignHostOrOrigin_Refused()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: true, o => o.IndexableFolders.Add(Path.Combine(SharedFixtures.Data, "demo-gallery")));
        HttpClient client = bed.App.GetTestClient();
        long id = bed.Index.ListImages()[0].Id;

        using var rebound = new HttpRequestMessage(HttpMethod.Get, $"/api/images/{id}");
        rebound.Headers.Host = "evil.example:5080";
        HttpResponseMessage image = await client.SendAsync(rebound, TestContext.Current.CancellationToken);

        using var crossSite = new HttpRequestMessage(HttpMethod.Post, "/api/index") { Content = JsonContent.Create(new { folder = Path.Combine(SharedFixtures.Data, "demo-gallery") }) };
        crossSite.Headers.Add("Origin", "http://evil.example:5080");
        HttpResponseMessage index = await client.SendAsync(crossSite, TestContext.Current.CancellationToken);

        using var ownPage = new HttpRequestMessage(HttpMethod.Get, $"/api/images/{id}");
        ownPage.Headers.Host = "127.0.0.1:5080";
        HttpResponseMessage ok = await client.SendAsync(ownPage, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, image.StatusCode);
        Assert.Contains("evil.example", await image.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.BadRequest, index.StatusCode);
        Assert.False((await client.GetFromJsonAsync<JsonElement>("/api/index", TestContext.Current.CancellationToken)).GetProperty("running").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Index_LinkInsideAllowedFolderToOutside_NotIndexedNorServed()
    {
        using var dir = new TempDirectory();
        string allowed = dir.Combine("allowed"), secret = dir.Combine("secret");
        Directory.CreateDirectory(allowed);
        Directory.CreateDirectory(secret);
        File.WriteAllBytes(Path.Combine(allowed, "mine.png"), TestImages.Png(40, 30, 1));
        File.WriteAllBytes(Path.Combine(secret, "private.png"), TestImages.Png(40, 30, 2));
        File.CreateSymbolicLink(Path.Combine(allowed, "link"), secret);
        File.CreateSymbolicLink(Path.Combine(allowed, "file-link.png"), Path.Combine(secret, "private.png"));
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: true, o => o.IndexableFolders.Add(allowed));
        HttpClient client = bed.App.GetTestClient();

        HttpResponseMessage started = await client.PostAsJsonAsync("/api/index", new { folder = allowed }, TestContext.Current.CancellationToken);
        JsonElement progress;
        do
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
            progress = await client.GetFromJsonAsync<JsonElement>("/api/index", TestContext.Current.CancellationToken);
        }
        while (progress.GetProperty("running").GetBoolean());

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.NotNull(bed.Index.GetIdByPath(Path.Combine(allowed, "mine.png")));
        Assert.Null(bed.Index.GetIdByPath(Path.Combine(allowed, "link", "private.png")));
        Assert.Null(bed.Index.GetIdByPath(Path.Combine(allowed, "file-link.png")));
        Assert.Equal(2, progress.GetProperty("report").GetProperty("skipped").GetInt32());
    }

    [Fact]
    public async Task Upload_MalformedMultipartOrFuzzedImage_400WithReason()
    {
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: true);
        HttpClient client = bed.App.GetTestClient();
        string session = await NewSessionAsync(client);

        using var broken = new ByteArrayContent("--xyz\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n\r\nnot closed"u8.ToArray());
        broken.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=xyz");
        HttpResponseMessage malformed = await client.PostAsync($"/api/sessions/{session}/image", broken, TestContext.Current.CancellationToken);

        byte[] jpeg = TestImages.Jpeg(64, 48, 5);
        int sof = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        jpeg[sof + 1] = 0x01;
        using var fuzzed = new MultipartFormDataContent { { new ByteArrayContent(jpeg), "image", "nosof.jpg" } };
        HttpResponseMessage noSof = await client.PostAsync($"/api/sessions/{session}/image", fuzzed, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("error", await malformed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(HttpStatusCode.BadRequest, noSof.StatusCode);
        Assert.Contains("cannot be used as an image", await noSof.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public void SessionStore_AtTheCap_KeepsExactlyTheCapNumberOfSessions()
    {
        var options = new WebOptions { MaxSessions = 3 };
        var store = new WebSessionStore(options, TimeProvider.System);
        string first = store.Create().Id;
        store.Create();
        store.Create();

        Assert.NotNull(store.Get(first)); // before the fix, any request at the cap evicted one: 2 of 3
        Assert.Equal(3, store.Count);
        store.Create();
        Assert.Equal(3, store.Count);
    }

    [Fact]
    public async Task Serve_FolderScope_ResultsAndCountsOnlyFromThatFolder()
    {
        string gallery = Path.GetFullPath(Path.Combine(SharedFixtures.Data, "demo-gallery"));
        string coco = Path.Combine(SharedFixtures.Data, "coco-mini", "images");
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: true, alsoIndex: coco, scope: [gallery]);
        HttpClient client = bed.App.GetTestClient();

        JsonElement status = await client.GetFromJsonAsync<JsonElement>("/api/status", TestContext.Current.CancellationToken);
        string session = await NewSessionAsync(client);
        List<(string Event, JsonElement Data)> turn = await TurnAsync(client, session, "a photo");
        JsonElement result = turn.Single(e => e.Event == "result").Data;

        Assert.Equal(30, status.GetProperty("images").GetInt32());
        Assert.True(status.GetProperty("indexImages").GetInt32() > 30);
        Assert.All(result.GetProperty("results").EnumerateArray(), r =>
            Assert.NotNull(bed.Index.GetEntry(r.GetProperty("id").GetInt64())!.Paths.FirstOrDefault(p => Path.GetFullPath(p).StartsWith(gallery, StringComparison.Ordinal))));
    }
}
