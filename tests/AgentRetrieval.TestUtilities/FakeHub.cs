using System.Net;
using System.Security.Cryptography;
using System.Text.Json;

namespace AgentRetrieval.Tests;

/// <summary>A local HTTP server that serves a fake model repository the way the hub does (file listing with LFS SHA-256, range requests).</summary>
public sealed class FakeHub : IDisposable
{
    private readonly LocalHttpServer _server;
    private readonly Dictionary<string, byte[]> _files;

    private readonly string _repository;

    public FakeHub(Dictionary<string, byte[]> files, string repository = "owner/repo")
    {
        _files = files;
        _repository = repository;
        _server = new LocalHttpServer(HandleAsync);
    }

    public Uri BaseUri => _server.BaseUri;

    /// <summary>SHA-256 the listing claims, by path, instead of the real one.</summary>
    public Dictionary<string, string> ListedShaOverride { get; } = [];

    /// <summary>Paths whose next N downloads are cut off halfway.</summary>
    public Dictionary<string, int> BreakNext { get; } = [];

    /// <summary>Awaited before a broken response is cut off, with the file and the bytes sent so far (to wait until the client holds them).</summary>
    public Func<string, long, Task>? BeforeBreak { get; set; }

    public List<string> RangeRequests { get; } = [];

    public int FileRequests { get; private set; }

    public void Dispose() => _server.Dispose();

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        string path = ctx.Request.Url!.AbsolutePath;
        if (path.StartsWith($"/api/models/{_repository}/tree/main", StringComparison.Ordinal))
        {
            var listing = _files.Select(f => new
            {
                type = "file",
                path = f.Key,
                size = f.Value.Length,
                lfs = f.Key.EndsWith(".onnx", StringComparison.Ordinal)
                    ? new { oid = ListedShaOverride.GetValueOrDefault(f.Key) ?? Convert.ToHexStringLower(SHA256.HashData(f.Value)), size = f.Value.Length }
                    : null,
            });
            byte[] body = JsonSerializer.SerializeToUtf8Bytes(listing);
            ctx.Response.ContentType = "application/json";
            await ctx.Response.OutputStream.WriteAsync(body);
            ctx.Response.Close();
            return;
        }

        string prefix = $"/{_repository}/resolve/main/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal) || !_files.TryGetValue(path[prefix.Length..], out byte[]? data))
        {
            ctx.Response.StatusCode = 404;
            ctx.Response.Close();
            return;
        }

        string file = path[prefix.Length..];
        FileRequests++;
        bool breakIt = BreakNext.TryGetValue(file, out int breaks) && breaks > 0;
        if (breakIt)
        {
            BreakNext[file] = breaks - 1;
        }

        // Recorded before the answer: the client can hold every byte (and the test read this list) before the
        // response is closed on this side.
        if (ctx.Request.Headers["Range"] is { } range && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            lock (RangeRequests)
            {
                RangeRequests.Add($"{file}:{range}");
            }
        }

        await LocalHttpServer.ServeAsync(ctx, data, breakIt, BeforeBreak is { } wait ? sent => wait(file, sent) : null);
    }
}
