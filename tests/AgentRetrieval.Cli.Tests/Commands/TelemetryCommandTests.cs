using System.Text;

namespace AgentRetrieval.Tests.Commands;

/// <summary>OTLP export through the real program, to a local stand-in collector that records what it is sent.</summary>
public sealed class TelemetryCommandTests
{
    [Fact]
    public async Task Index_OtlpEndpointConfigured_ExportsTheIndexingSpanOverHttp()
    {
        var received = new List<(string Path, byte[] Body)>();
        using var collector = new LocalHttpServer(async ctx =>
        {
            using var body = new MemoryStream();
            await ctx.Request.InputStream.CopyToAsync(body);
            lock (received)
            {
                received.Add((ctx.Request.Url!.AbsolutePath, body.ToArray()));
            }

            ctx.Response.StatusCode = 200;
            ctx.Response.Close();
        });
        int port = collector.BaseUri.Port;

        using var home = new TempDirectory();
        string photos = home.Combine("photos");
        Directory.CreateDirectory(photos);
        File.WriteAllBytes(Path.Combine(photos, "a.png"), TestImages.Png(32, 32, 10));
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Telemetry__OtlpEndpoint"] = $"http://127.0.0.1:{port}";
        cli.Environment["AGENTRETRIEVAL_Telemetry__OtlpProtocol"] = "http/protobuf";

        (int code, _, string stderr) = await cli.RunAsync("index", photos, "--model", SharedFixtures.ClipTiny, "--index", home.Combine("index"));

        Assert.True(code == 0, stderr);
        Assert.Contains($"go to http://127.0.0.1:{port}/", stderr);
        collector.Dispose();
        (string Path, byte[] Body)[] traces = [.. received.Where(r => r.Path == "/v1/traces")];
        Assert.NotEmpty(traces);
        Assert.Contains(traces, t => Encoding.UTF8.GetString(t.Body).Contains("agentretrieval.index.vectors", StringComparison.Ordinal));
        Assert.Contains(received, r => r.Path == "/v1/metrics" && Encoding.UTF8.GetString(r.Body).Contains("agentretrieval.index.images_indexed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Serve_OtlpNotAnAddress_ClearError()
    {
        using var home = new TempDirectory();

        (int code, _, string stderr) = await new CliRunner(home.Path).RunAsync("serve", "--otlp", "localhost:4317", "--model", "offline-default", "--offline");

        Assert.Equal(1, code);
        Assert.Contains("is not an http(s) address", stderr);
    }
}
