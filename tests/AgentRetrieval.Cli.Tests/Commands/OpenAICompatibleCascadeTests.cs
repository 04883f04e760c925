using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace AgentRetrieval.Tests.Commands;

/// <summary>
/// The cascade against a local fake OpenAI-compatible server: calls in flight at once up to Llm:MaxConcurrency,
/// P(yes) from log-probabilities when the server returns them and from the text when not, images as data URIs, and a
/// failing or slow server degrading to the previous stage's order.
/// </summary>
public sealed class OpenAICompatibleCascadeTests
{
    /// <summary>
    /// A fake server: to text judgments "Yes" only for the photo whose file name holds <see cref="Liked"/>, to image
    /// judgments "Yes" (it cannot tell the pictures apart), to the rewrite a JSON plan.
    /// </summary>
    private sealed class FakeServer : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly CancellationTokenSource _cts = new();
        private readonly Task _loop;
        private int _inFlight;

        public FakeServer()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public int Port { get; }

        public bool Logprobs { get; init; }

        public string Liked { get; init; } = "000000358083";

        public TimeSpan JudgeDelay { get; init; } = TimeSpan.FromMilliseconds(150);

        /// <summary>Image judgments answered with an error status (the model is down for images).</summary>
        public bool FailImages { get; init; }

        public int MaxInFlight { get; private set; }

        public List<string> Prompts { get; } = [];

        public int LogprobRequests { get; private set; }

        public async ValueTask DisposeAsync()
        {
            await _cts.CancelAsync();
            _listener.Stop();
            try
            {
                await _loop;
            }
            catch (Exception)
            {
                // Stopped.
            }

            _listener.Close();
            _cts.Dispose();
        }

        private async Task LoopAsync()
        {
            while (!_cts.IsCancellationRequested)
            {
                HttpListenerContext ctx;
                try
                {
                    ctx = await _listener.GetContextAsync().WaitAsync(_cts.Token);
                }
                catch (Exception)
                {
                    return;
                }

                _ = Task.Run(() => HandleAsync(ctx));
            }
        }

        private async Task HandleAsync(HttpListenerContext ctx)
        {
            int now = Interlocked.Increment(ref _inFlight);
            try
            {
                using var reader = new StreamReader(ctx.Request.InputStream);
                JsonElement body = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone();
                string prompt = body.GetProperty("messages").ToString();
                bool image = prompt.Contains("data:image/", StringComparison.Ordinal);
                bool judgment = prompt.Contains("Answer Yes or No", StringComparison.Ordinal);
                bool wantsLogprobs = body.TryGetProperty("logprobs", out JsonElement lp) && lp.ValueKind == JsonValueKind.True;
                lock (Prompts)
                {
                    Prompts.Add(prompt);
                    MaxInFlight = Math.Max(MaxInFlight, now);
                    LogprobRequests += wantsLogprobs ? 1 : 0;
                }

                if (judgment)
                {
                    await Task.Delay(JudgeDelay);
                }

                if (judgment && image && FailImages)
                {
                    ctx.Response.StatusCode = 400;
                    await ctx.Response.OutputStream.WriteAsync("""{"error":{"message":"vision tower unavailable","type":"invalid_request_error"}}"""u8.ToArray());
                    ctx.Response.Close();
                    return;
                }

                bool yes = image || prompt.Contains(Liked, StringComparison.Ordinal);
                string answer = prompt.Contains("JSON plan:", StringComparison.Ordinal) ? """{"visual_query": "a photo"}"""
                    : judgment ? (yes ? "Yes" : "No") : "It fits.";
                string logprobs = Logprobs && wantsLogprobs
                    ? $",\"logprobs\":{{\"content\":[{{\"token\":\"{answer}\",\"logprob\":-0.05,\"bytes\":null,\"top_logprobs\":[{{\"token\":\"Yes\",\"logprob\":{(yes ? -0.05 : -3.0)},\"bytes\":null}},{{\"token\":\"No\",\"logprob\":{(yes ? -3.0 : -0.05)},\"bytes\":null}}]}}]}}"
                    : "";
                bool stream = body.TryGetProperty("stream", out JsonElement s) && s.GetBoolean();
                string payload = stream
                    ? $"data: {{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{{\"role\":\"assistant\",\"content\":{JsonSerializer.Serialize(answer)}}},\"finish_reason\":null}}]}}\n\ndata: [DONE]\n\n"
                    : $"{{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"m\",\"choices\":[{{\"index\":0,\"message\":{{\"role\":\"assistant\",\"content\":{JsonSerializer.Serialize(answer)}}}{logprobs},\"finish_reason\":\"stop\"}}],\"usage\":{{\"prompt_tokens\":1,\"completion_tokens\":1,\"total_tokens\":2}}}}";
                ctx.Response.ContentType = stream ? "text/event-stream" : "application/json";
                await ctx.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(payload));
                ctx.Response.Close();
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    private static async Task<JsonElement> TurnAsync(FakeServer server, TempDirectory home, string budget = "00:01:00", int concurrency = 3)
    {
        var cli = new CliRunner(home.Path);
        cli.Environment["AGENTRETRIEVAL_Llm__Provider"] = "openai";
        cli.Environment["AGENTRETRIEVAL_Llm__Endpoint"] = $"http://127.0.0.1:{server.Port}/v1";
        cli.Environment["AGENTRETRIEVAL_Llm__Model"] = "fake-vlm";
        cli.Environment["AGENTRETRIEVAL_Llm__MaxConcurrency"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture);
        cli.Environment["AGENTRETRIEVAL_Agent__Clarify"] = "false";
        cli.Environment["AGENTRETRIEVAL_Agent__TurnBudget"] = budget;
        cli.Environment["AGENTRETRIEVAL_Agent__RerankTopN"] = "6";
        (int code, string stdout, string stderr) = await cli.RunWithInputAsync("a photo\n",
            ["chat", Path.Combine(SharedFixtures.Data, "demo-gallery"), "--json", "--model", SharedFixtures.ClipTiny, "--index", home.Combine("index")]);
        Assert.True(code == 0, stderr);
        return JsonDocument.Parse(stdout.Split('\n').First(l => l.StartsWith('{'))).RootElement.Clone();
    }

    [Fact]
    public async Task Cascade_ServerWithLogprobs_ConcurrentCallsAndPYesFromTheDistribution()
    {
        await using var server = new FakeServer { Logprobs = true };
        using var home = new TempDirectory();

        JsonElement turn = await TurnAsync(server, home);

        JsonElement cascade = turn.GetProperty("cascade");
        Assert.Equal(30, cascade.GetProperty("stage1").GetProperty("depth").GetInt32());
        Assert.Contains("next-token distribution", cascade.GetProperty("stage1").GetProperty("judge").GetString());
        Assert.Equal(6, cascade.GetProperty("stage2").GetProperty("depth").GetInt32());
        Assert.Contains("next-token distribution", cascade.GetProperty("stage2").GetProperty("judge").GetString());
        Assert.InRange(server.MaxInFlight, 2, 3);
        Assert.True(server.LogprobRequests >= 36, $"{server.LogprobRequests} judgments asked for log-probabilities");
        Assert.Contains(server.Prompts, p => p.Contains("data:image/", StringComparison.Ordinal));
        // The photo the server says Yes to is the pick.
        Assert.True(turn.GetProperty("pick").GetString()?.Contains("000000358083", StringComparison.Ordinal) == true, turn.ToString());
    }

    [Fact]
    public async Task Cascade_ServerWithoutLogprobs_ReadsTheAnswersText()
    {
        await using var server = new FakeServer { Logprobs = false };
        using var home = new TempDirectory();

        JsonElement turn = await TurnAsync(server, home);

        JsonElement cascade = turn.GetProperty("cascade");
        Assert.Equal(30, cascade.GetProperty("stage1").GetProperty("depth").GetInt32());
        Assert.Contains("read from the answer", cascade.GetProperty("stage1").GetProperty("judge").GetString());
        Assert.Contains("read from the answer", cascade.GetProperty("stage2").GetProperty("judge").GetString());
        Assert.True(turn.GetProperty("pick").GetString()?.Contains("000000358083", StringComparison.Ordinal) == true, turn.ToString());
        Assert.False(turn.GetProperty("degraded").GetBoolean(), turn.GetProperty("answer").GetString());
    }

    [Fact]
    public async Task Cascade_ServerFailsOnImages_StageOneOrderKeptAndReported()
    {
        await using var server = new FakeServer { Logprobs = true, FailImages = true };
        using var home = new TempDirectory();

        JsonElement turn = await TurnAsync(server, home);

        JsonElement stage2 = turn.GetProperty("cascade").GetProperty("stage2");
        Assert.Equal(0, stage2.GetProperty("depth").GetInt32());
        Assert.Contains("stopped", stage2.GetProperty("note").GetString());
        Assert.True(turn.GetProperty("degraded").GetBoolean());
        // Stage 1 alone put the photo the server likes first.
        Assert.Contains("000000358083", turn.GetProperty("results")[0].GetProperty("path").GetString());
    }

    [Fact]
    public async Task Cascade_SlowServerAndShortBudget_StageTwoCutShortNotTheAnswer()
    {
        await using var server = new FakeServer { Logprobs = true, JudgeDelay = TimeSpan.FromMilliseconds(700) };
        using var home = new TempDirectory();

        JsonElement turn = await TurnAsync(server, home, budget: "00:00:03", concurrency: 1);

        JsonElement cascade = turn.GetProperty("cascade");
        Assert.True(cascade.GetProperty("stage2").GetProperty("depth").GetInt32() < 6, cascade.ToString());
        Assert.NotEqual("", cascade.GetProperty("stage2").GetProperty("note").GetString());
        Assert.Equal(10, turn.GetProperty("results").GetArrayLength());
    }
}
