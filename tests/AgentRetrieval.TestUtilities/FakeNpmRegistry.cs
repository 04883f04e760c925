using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;

namespace AgentRetrieval.Tests;

/// <summary>
/// A local HTTP server that answers like the npm registry for one package version: the version record (with
/// <c>dist.tarball</c> and <c>dist.integrity</c>) and the tarball itself, with range requests.
/// </summary>
public sealed class FakeNpmRegistry : IDisposable
{
    private readonly LocalHttpServer _server;
    private readonly string _package;
    private readonly string _version;

    public FakeNpmRegistry(string package, string version, byte[] tarball)
    {
        _package = package;
        _version = version;
        Tarball = tarball;
        Integrity = IntegrityOf(tarball);
        _server = new LocalHttpServer(HandleAsync);
    }

    public Uri BaseUri => _server.BaseUri;

    /// <summary>The tarball served (replace it to serve other bytes than the record's integrity describes).</summary>
    public byte[] Tarball { get; set; }

    /// <summary>The integrity the version record lists.</summary>
    public string Integrity { get; set; }

    /// <summary>How many of the next tarball downloads are cut off halfway.</summary>
    public int BreakNext { get; set; }

    public List<string> RangeRequests { get; } = [];

    public int TarballRequests { get; private set; }

    /// <summary>The Subresource Integrity string npm gives a tarball.</summary>
    public static string IntegrityOf(byte[] data) => "sha512-" + Convert.ToBase64String(SHA512.HashData(data));

    /// <summary>Builds a package tarball (gzip'd tar with the files under <c>package/</c> as npm packs them).</summary>
    public static byte[] Pack(IReadOnlyDictionary<string, byte[]> files)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Ustar, leaveOpen: true))
        {
            foreach ((string path, byte[] data) in files)
            {
                tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, "package/" + path) { DataStream = new MemoryStream(data) });
            }
        }

        return output.ToArray();
    }

    public void Dispose() => _server.Dispose();

    private async Task HandleAsync(HttpListenerContext ctx)
    {
        string raw = ctx.Request.RawUrl ?? "";
        string record = "/" + _package.Replace("/", "%2f", StringComparison.Ordinal) + "/" + _version;
        if (string.Equals(raw, record, StringComparison.OrdinalIgnoreCase))
        {
            byte[] body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                name = _package,
                version = _version,
                dist = new { integrity = Integrity, tarball = new Uri(BaseUri, "-/package.tgz").ToString() },
            });
            ctx.Response.ContentType = "application/json";
            await ctx.Response.OutputStream.WriteAsync(body);
            ctx.Response.Close();
            return;
        }

        if (raw != "/-/package.tgz")
        {
            ctx.Response.StatusCode = 404;
            ctx.Response.Close();
            return;
        }

        TarballRequests++;
        bool breakIt = BreakNext > 0;
        BreakNext -= breakIt ? 1 : 0;
        // Recorded before the answer (the client may hold every byte before this side closes the response).
        if (ctx.Request.Headers["Range"] is { } range && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            lock (RangeRequests)
            {
                RangeRequests.Add(range);
            }
        }

        await LocalHttpServer.ServeAsync(ctx, Tarball, breakIt);
    }
}
