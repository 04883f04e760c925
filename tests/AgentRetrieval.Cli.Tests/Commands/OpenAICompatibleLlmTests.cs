using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace AgentRetrieval.Tests.Commands;

/// <summary>Another IChatClient by configuration: an OpenAI-compatible server (a local fake on loopback) drives the agent.</summary>
public sealed class OpenAICompatibleLlmTests
{
    [Fact]
    public async Task Chat_OpenAIProvider_RewritesRerankFromTextAndStreamsReason()
    {
        var requests = new List<JsonElement>();
        using var listener = new HttpListener();
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromMinutes(2));
        Task server = Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await listener.GetContextAsync().WaitAsync(cts.Token);
                }
                catch (Exception)
                {
                    return;
                }

                using var reader = new StreamReader(ctx.Request.InputStream);
                JsonElement body = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone();
                lock (requests)
                {
                    requests.Add(body);
                }

                string prompt = body.GetProperty("messages").ToString();
                string answer = prompt.Contains("JSON plan:", StringComparison.Ordinal) ? """{"visual_query": "a rocket on a launch pad"}"""
                    : prompt.Contains("Answer Yes or No", StringComparison.Ordinal) ? "Yes" : "It shows a rocket ready to launch.";
                bool stream = body.TryGetProperty("stream", out JsonElement s) && s.GetBoolean();
                string payload = stream
                    ? string.Concat(answer.Split(' ').Select(w => $"data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{{\"role\":\"assistant\",\"content\":{JsonSerializer.Serialize(w + " ")}}},\"finish_reason\":null}}]}}\n\n")) + "data: [DONE]\n\n"
                    : $"{{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"m\",\"choices\":[{{\"index\":0,\"message\":{{\"role\":\"assistant\",\"content\":{JsonSerializer.Serialize(answer)}}},\"finish_reason\":\"stop\"}}],\"usage\":{{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}}}";
                ctx.Response.ContentType = stream ? "text/event-stream" : "application/json";
                byte[] bytes = Encoding.UTF8.GetBytes(payload);
                try
                {
                    await ctx.Response.OutputStream.WriteAsync(bytes);
                    ctx.Response.Close();
                }
                catch (Exception ex) when (ex is HttpListenerException or IOException)
                {
                    // The client went away (the chat ended while its background describing pass had a call in flight),
                    // as clients of a real server do.
                }
            }
        }, TestContext.Current.CancellationToken);

        using var home = new TempDirectory();
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Llm__Provider"] = "openai";
        cli.Environment["AGENTRETRIEVAL_Llm__Endpoint"] = $"http://127.0.0.1:{port}/v1";
        cli.Environment["AGENTRETRIEVAL_Llm__Model"] = "fake-vlm";
        cli.Environment["AGENTRETRIEVAL_Agent__Clarify"] = "false";

        (int code, string stdout, string stderr) = await cli.RunWithInputAsync("a rocket\n",
            ["chat", Path.Combine(SharedFixtures.Data, "demo-gallery"), "--rerank", "pointwise", "--rerank-top", "3", "--json", "--model", SharedFixtures.ClipTiny, "--index", home.Combine("index")]);
        await cts.CancelAsync();
        listener.Stop();
        await server;

        Assert.True(code == 0, stderr);
        JsonElement turn = JsonDocument.Parse(stdout.Split('\n').First(l => l.StartsWith('{'))).RootElement;
        Assert.Equal("a rocket on a launch pad", turn.GetProperty("query").GetString());
        JsonElement[] stages = [.. turn.GetProperty("stages").EnumerateArray()];
        Assert.Contains("scores parsed from text", stages.Single(s => s.GetProperty("stage").GetString() == "rerank").GetProperty("detail").GetString());
        Assert.False(turn.GetProperty("degraded").GetBoolean(), turn.GetProperty("answer").GetString());
        Assert.Contains("It shows a rocket ready to launch.", turn.GetProperty("answer").GetString());
        Assert.Equal(3, turn.GetProperty("results").EnumerateArray().Count(r => r.GetProperty("llm").ValueKind == JsonValueKind.Number));
        Assert.Contains(requests, r => r.GetProperty("messages").ToString().Contains("data:image/", StringComparison.Ordinal));
    }
}
