using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.TestHost;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentRetrieval.Tests;

/// <summary>The MCP endpoint of <c>serve</c> (Streamable HTTP at /mcp), driven by the official MCP client.</summary>
public sealed class McpOverHttpTests
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    [Fact]
    public async Task Mcp_OverHttp_ToolsWithSchemasStructuredResultAndImageResource()
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: true);
        HttpClient http = bed.App.GetTestClient();
        var transport = new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(http.BaseAddress!, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp }, http);
        await using McpClient client = await McpClient.CreateAsync(transport, cancellationToken: ct);

        IList<McpClientTool> tools = await client.ListToolsAsync(cancellationToken: ct);
        Assert.Equal(["describe_image", "find_similar", "index_folder", "refine_search", "search_images"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.All(tools, t => Assert.NotNull(t.ProtocolTool.OutputSchema));

        CallToolResult found = await client.CallToolAsync("search_images", new Dictionary<string, object?> { ["query"] = "an astronaut", ["top"] = 2 }, cancellationToken: ct);
        Assert.NotEqual(true, found.IsError);
        JsonElement[] results = [.. found.StructuredContent!.Value.GetProperty("results").EnumerateArray()];
        Assert.Equal(2, results.Length);
        long id = results[0].GetProperty("id").GetInt64();
        Assert.Equal(bed.Index.GetEntry(id)!.Paths[0], results[0].GetProperty("path").GetString());

        ReadResourceResult thumb = await client.ReadResourceAsync(results[0].GetProperty("thumbnail_uri").GetString()!, cancellationToken: ct);
        BlobResourceContents blob = Assert.IsType<BlobResourceContents>(Assert.Single(thumb.Contents));
        Assert.Equal("image/jpeg", blob.MimeType);
        Assert.Equal(0xFF, blob.DecodedData.Span[0]);

        // A wrong argument is answered with which argument and why, as over stdio.
        CallToolResult wrong = await client.CallToolAsync("search_images", new Dictionary<string, object?> { ["qeury"] = "x" }, cancellationToken: ct);
        Assert.True(wrong.IsError);
        Assert.Contains("no argument 'qeury'", ((TextContentBlock)wrong.Content[0]).Text);
    }

    [Theory]
    [InlineData("Host", "evil.example:5080")]
    [InlineData("Origin", "http://evil.example:5080")]
    public async Task Mcp_ForeignHostOrOrigin_Refused(string header, string value)
    {
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using WebTestBed bed = await WebTestBed.StartAsync(testServer: true);
        HttpClient http = bed.App.GetTestClient();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (header == "Host")
        {
            request.Headers.Host = value;
        }
        else
        {
            request.Headers.Add(header, value);
        }

        HttpResponseMessage refused = await http.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("evil.example", await refused.Content.ReadAsStringAsync(ct));

        using var own = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        own.Headers.Accept.ParseAdd("application/json");
        own.Headers.Accept.ParseAdd("text/event-stream");
        HttpResponseMessage ok = await http.SendAsync(own, ct);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }
}
