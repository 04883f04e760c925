using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentRetrieval.Tests.Commands;

/// <summary>
/// <c>serve</c> on a folder that changes while it runs: 50 photos copied in, 10 moved, 5 deleted; the page's count
/// follows within seconds and nothing is embedded twice (moves are recognised by content).
/// </summary>
public sealed class WatchCommandTests
{
    private static async Task<int> WaitForCountAsync(HttpClient http, int expected, Func<string> log)
    {
        var sw = Stopwatch.StartNew();
        int images = -1;
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            JsonElement s = await http.GetFromJsonAsync<JsonElement>("/api/status", TestContext.Current.CancellationToken);
            images = s.GetProperty("images").GetInt32();
            if (images == expected && s.GetProperty("activity").ValueKind == JsonValueKind.Null)
            {
                return (int)sw.ElapsedMilliseconds;
            }

            await Task.Delay(200, TestContext.Current.CancellationToken);
        }

        Assert.Fail($"after 10 s the page counts {images} images, not {expected}. Log:\n{log()}");
        return -1;
    }

    [Fact]
    public async Task Serve_FolderChangesWhileRunning_SearchesFollowWithinSecondsNothingEmbeddedTwice()
    {
        using var home = new TempDirectory();
        string lib = home.Combine("lib");
        Directory.CreateDirectory(lib);
        for (int i = 0; i < 5; i++)
        {
            File.WriteAllBytes(Path.Combine(lib, $"first{i}.png"), TestImages.Png(40, 30, (byte)(200 + i)));
        }

        int port = LocalHttpServer.FreePort();
        var cli = new CliRunner(home.Path);
        using Process server = cli.Start("serve", lib, "--urls", $"http://127.0.0.1:{port}", "--model", SharedFixtures.ClipTiny, "--index", home.Combine("index"));
        var log = new StringBuilder();
        var ready = new TaskCompletionSource();
        server.ErrorDataReceived += (_, e) =>
        {
            lock (log)
            {
                log.AppendLine(e.Data);
            }

            if (e.Data?.Contains("watching", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        server.BeginErrorReadLine();
        string Log()
        {
            lock (log)
            {
                return log.ToString();
            }
        }

        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            await WaitForCountAsync(http, 5, Log);

            for (int i = 0; i < 50; i++)
            {
                File.WriteAllBytes(Path.Combine(lib, $"new{i:00}.png"), TestImages.Png(40, 30, (byte)i));
            }

            int added = await WaitForCountAsync(http, 55, Log);
            Directory.CreateDirectory(Path.Combine(lib, "moved"));
            for (int i = 0; i < 10; i++)
            {
                File.Move(Path.Combine(lib, $"new{i:00}.png"), Path.Combine(lib, "moved", $"new{i:00}.png"));
            }

            await Task.Delay(3000, TestContext.Current.CancellationToken); // the move is one more batch; the count stays
            await WaitForCountAsync(http, 55, Log);
            for (int i = 40; i < 45; i++)
            {
                File.Delete(Path.Combine(lib, $"new{i:00}.png"));
            }

            int removed = await WaitForCountAsync(http, 50, Log);
            TestContext.Current.TestOutputHelper?.WriteLine($"50 copied in: counted after {added} ms; 5 deleted: after {removed} ms");

            string all = Log();
            int embedded = Regex.Matches(all, @"watch: (\d+) embedded").Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            int reused = Regex.Matches(all, @"(\d+) recognised by content").Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(embedded == 50, $"embedded {embedded} times for 50 new photos:\n{all}");
            Assert.True(reused == 10, $"recognised {reused} moved photos, not 10:\n{all}");

        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task IndexWatch_PhotoAddedThenDeleted_IndexedAndRemovedUntilStopped()
    {
        using var home = new TempDirectory();
        string lib = home.Combine("lib");
        Directory.CreateDirectory(lib);
        File.WriteAllBytes(Path.Combine(lib, "a.png"), TestImages.Png(40, 30, 1));
        using Process p = new CliRunner(home.Path).Start("index", lib, "--watch", "--model", SharedFixtures.ClipTiny, "--index", home.Combine("index"));
        var log = new StringBuilder();
        var lines = new System.Collections.Concurrent.BlockingCollection<string>();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (log)
                {
                    log.AppendLine(e.Data);
                }

                lines.Add(e.Data);
            }
        };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        string WaitFor(string text)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                while (true)
                {
                    string line = lines.Take(cts.Token);
                    if (line.Contains(text, StringComparison.Ordinal))
                    {
                        return line;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                lock (log)
                {
                    Assert.Fail($"no line with '{text}' within 60 s:\n{log}");
                }

                throw;
            }
        }

        try
        {
            WaitFor("watching");
            File.WriteAllBytes(Path.Combine(lib, "b.png"), TestImages.Png(40, 30, 2));
            Assert.Contains("watch: 1 embedded, 0 recognised by content (moved, renamed or copied), 0 removed", WaitFor("watch:"));
            File.Delete(Path.Combine(lib, "a.png"));
            Assert.Contains("0 embedded, 0 recognised by content (moved, renamed or copied), 1 removed, 0 skipped; the index holds 1 image.", WaitFor("watch:"));
            Assert.False(p.HasExited);
        }
        finally
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }
}
