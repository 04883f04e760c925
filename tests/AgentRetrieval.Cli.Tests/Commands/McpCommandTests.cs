using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentRetrieval.Tests.Commands;

/// <summary><c>agentretrieval mcp</c> as a process, driven by the official MCP client over stdio.</summary>
public sealed class McpCommandTests
{
    private static async Task<McpClient> StartAsync(TempDirectory home, CancellationToken cancellationToken)
    {
        string gallery = Path.Combine(SharedFixtures.Data, "demo-gallery");
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "agentretrieval",
            Command = "dotnet",
            Arguments = [CliRunner.Program, "mcp", "--model", SharedFixtures.ClipTiny, "--index", home.Combine("index"), "--allow-index", gallery],
            WorkingDirectory = home.Path,
            EnvironmentVariables = new Dictionary<string, string?> { ["HOME"] = home.Path },
        });
        return await McpClient.CreateAsync(transport, cancellationToken: cancellationToken);
    }

    [Fact]
    public async Task Mcp_ListAndCallTools_TextAndImageContent()
    {
        using var home = new TempDirectory();
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using McpClient client = await StartAsync(home, ct);

        IList<McpClientTool> tools = await client.ListToolsAsync(cancellationToken: ct);
        Assert.Equal(["describe_image", "find_similar", "index_folder", "refine_search", "search_images"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));

        CallToolResult indexed = await client.CallToolAsync("index_folder", new Dictionary<string, object?> { ["path"] = Path.Combine(SharedFixtures.Data, "demo-gallery") }, cancellationToken: ct);
        Assert.NotEqual(true, indexed.IsError);
        Assert.Contains("30 image files", ((TextContentBlock)indexed.Content[0]).Text);

        CallToolResult found = await client.CallToolAsync("search_images", new Dictionary<string, object?> { ["query"] = "an astronaut", ["top"] = 3 }, cancellationToken: ct);
        Assert.NotEqual(true, found.IsError);
        string text = ((TextContentBlock)found.Content[0]).Text;
        Assert.Contains("1. id=", text);
        Assert.Contains("3. id=", text);
        ImageContentBlock[] images = [.. found.Content.OfType<ImageContentBlock>()];
        Assert.Equal(3, images.Length);
        Assert.Equal("image/jpeg", images[0].MimeType);
        Assert.Equal(0xFF, images[0].DecodedData.Span[0]);

        // Structured content, as the declared output schema describes it.
        JsonElement schema = tools.Single(t => t.Name == "search_images").ProtocolTool.OutputSchema!.Value;
        Assert.True(schema.GetProperty("properties").TryGetProperty("results", out _), schema.ToString());
        Assert.True(tools.Single(t => t.Name == "index_folder").ProtocolTool.OutputSchema!.Value.GetProperty("properties").TryGetProperty("embedded", out _));
        Assert.Equal(30, indexed.StructuredContent!.Value.GetProperty("found").GetInt32());
        JsonElement structured = found.StructuredContent!.Value;
        JsonElement[] results = [.. structured.GetProperty("results").EnumerateArray()];
        Assert.Equal(3, results.Length);
        Assert.Equal([1, 2, 3], results.Select(r => r.GetProperty("rank").GetInt32()));
        Assert.False(string.IsNullOrEmpty(structured.GetProperty("session").GetString()));
        Assert.Contains(results[0].GetProperty("id").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), text);

        // The results' images as resources, by the URIs the structured result gives.
        IList<McpClientResourceTemplate> templates = await client.ListResourceTemplatesAsync(cancellationToken: ct);
        Assert.Contains(templates, t => t.UriTemplate == "image://{id}");
        Assert.Contains(templates, t => t.UriTemplate == "image://{id}/thumbnail");
        string path = results[0].GetProperty("path").GetString()!;
        ReadResourceResult image = await client.ReadResourceAsync(results[0].GetProperty("image_uri").GetString()!, cancellationToken: ct);
        BlobResourceContents blob = Assert.IsType<BlobResourceContents>(Assert.Single(image.Contents));
        Assert.Equal(File.ReadAllBytes(path), blob.DecodedData.ToArray());
        ReadResourceResult thumb = await client.ReadResourceAsync(results[0].GetProperty("thumbnail_uri").GetString()!, cancellationToken: ct);
        BlobResourceContents small = Assert.IsType<BlobResourceContents>(Assert.Single(thumb.Contents));
        Assert.Equal("image/jpeg", small.MimeType);
        Assert.True(small.DecodedData.Length < blob.DecodedData.Length);
        await Assert.ThrowsAnyAsync<McpException>(() => client.ReadResourceAsync("image://999999", cancellationToken: ct).AsTask());
    }

    [Theory]
    [InlineData("find_similar", "image", "../../../../etc/passwd", "not an absolute path")]
    [InlineData("find_similar", "image", "/etc/passwd", "outside the folders")]
    [InlineData("describe_image", "image", "/root/.ssh/id_rsa", "no multimodal LLM")]
    [InlineData("index_folder", "path", "/etc", "outside the folders")]
    public async Task Mcp_PathTraversal_RefusedWithClearMessage(string tool, string argument, string value, string expected)
    {
        using var home = new TempDirectory();
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using McpClient client = await StartAsync(home, ct);

        CallToolResult r = await client.CallToolAsync(tool, new Dictionary<string, object?> { [argument] = value }, cancellationToken: ct);

        Assert.True(r.IsError);
        Assert.Contains(expected, ((TextContentBlock)r.Content[0]).Text);
    }

    [Fact]
    public async Task Mcp_SymlinkOutOfAllowedFolder_Refused()
    {
        using var home = new TempDirectory();
        string allowed = home.Combine("allowed");
        Directory.CreateDirectory(allowed);
        File.CreateSymbolicLink(Path.Combine(allowed, "escape.jpg"), Path.Combine(SharedFixtures.ClipTiny, "images", "australia.jpg"));
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = "dotnet",
            Arguments = [CliRunner.Program, "mcp", "--model", SharedFixtures.ClipTiny, "--index", home.Combine("index"), "--allow", allowed],
            EnvironmentVariables = new Dictionary<string, string?> { ["HOME"] = home.Path },
        });
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using McpClient client = await McpClient.CreateAsync(transport, cancellationToken: ct);

        CallToolResult r = await client.CallToolAsync("find_similar", new Dictionary<string, object?> { ["image"] = Path.Combine(allowed, "escape.jpg") }, cancellationToken: ct);

        Assert.True(r.IsError);
        Assert.Contains("outside the folders", ((TextContentBlock)r.Content[0]).Text);
    }

    [Fact]
    public async Task Mcp_ConfiguredFolders_AllowIndexingWithoutFlags()
    {
        using var home = new TempDirectory();
        string gallery = Path.Combine(SharedFixtures.Data, "demo-gallery");
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = "dotnet",
            Arguments = [CliRunner.Program, "mcp", "--model", SharedFixtures.ClipTiny, "--index", home.Combine("index")],
            EnvironmentVariables = new Dictionary<string, string?> { ["HOME"] = home.Path, ["AGENTRETRIEVAL_Tools__IndexableFolders__0"] = gallery },
        });
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using McpClient client = await McpClient.CreateAsync(transport, cancellationToken: ct);

        CallToolResult r = await client.CallToolAsync("index_folder", new Dictionary<string, object?> { ["path"] = gallery }, cancellationToken: ct);

        Assert.NotEqual(true, r.IsError);
        Assert.Contains("30 image files", ((TextContentBlock)r.Content[0]).Text);
    }

    [Fact]
    public async Task Mcp_WrongArgumentNameOrType_SaysWhichAndWhy()
    {
        using var home = new TempDirectory();
        CancellationToken ct = TestContext.Current.CancellationToken;
        await using McpClient client = await StartAsync(home, ct);

        CallToolResult wrongName = await client.CallToolAsync("search_images", new Dictionary<string, object?> { ["qeury"] = "a dog" }, cancellationToken: ct);
        CallToolResult wrongType = await client.CallToolAsync("search_images", new Dictionary<string, object?> { ["query"] = "a dog", ["top"] = "five" }, cancellationToken: ct);

        Assert.True(wrongName.IsError);
        Assert.Contains("no argument 'qeury'", ((TextContentBlock)wrongName.Content[0]).Text);
        Assert.Contains("query (a string)", ((TextContentBlock)wrongName.Content[0]).Text);
        Assert.True(wrongType.IsError);
        Assert.Contains("'top' must be a whole number", ((TextContentBlock)wrongType.Content[0]).Text);
    }

    [Fact]
    public async Task Mcp_MalformedJsonRpcLine_AnsweredWithParseError()
    {
        using var home = new TempDirectory();
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = home.Path };
        foreach (string a in new[] { CliRunner.Program, "mcp", "--model", SharedFixtures.ClipTiny, "--index", home.Combine("index") })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["HOME"] = home.Path;
        using var p = System.Diagnostics.Process.Start(psi)!;
        await p.StandardInput.WriteLineAsync("this is not json {");
        await p.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""");
        await p.StandardInput.FlushAsync(TestContext.Current.CancellationToken);
        string? first = await p.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        string? second = await p.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        p.StandardInput.Close();
        await p.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.NotNull(first);
        Assert.Contains("-32700", first);
        Assert.Contains("\"id\":null", first);
        Assert.NotNull(second);
        Assert.Contains("\"id\":1", second);
        Assert.Contains("agentretrieval", second);
    }
}
