using System.Diagnostics;

namespace AgentRetrieval.Tests;

/// <summary>The Semantic Kernel sample as a newcomer runs it: no CLIP installed, a wrong folder, a chat server that is down.</summary>
public sealed class SampleAppTests
{
    private static string SampleDll()
    {
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        string dll = Path.Combine(SharedFixtures.RepositoryRoot, "samples", "AgentRetrieval.Samples.KernelChat", "bin", configuration, "net10.0", "AgentRetrieval.Samples.KernelChat.dll");
        if (!File.Exists(dll))
        {
            const string message = "The sample is not built: build the solution first (dotnet build AgentRetrieval.sln; .ci/run does).";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
        }

        return dll;
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(string input, Dictionary<string, string> env)
    {
        using var home = new TempDirectory();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = home.Path };
        psi.ArgumentList.Add(SampleDll());
        psi.Environment["HOME"] = home.Path;
        psi.Environment["Indexing__IndexDirectory"] = home.Combine("index");
        foreach ((string k, string v) in env)
        {
            psi.Environment[k] = v;
        }

        using Process p = Process.Start(psi)!;
        await p.StandardInput.WriteAsync(input);
        p.StandardInput.Close();
        Task<string> o = p.StandardOutput.ReadToEndAsync(), e = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);
        return (p.ExitCode, await o, await e);
    }

    [Fact]
    public async Task Sample_NoClipAndChatServerDown_OfflineDefaultAndClearMessages()
    {
        (int code, string stdout, string stderr) = await RunAsync("find a dog\n\n", new() { ["SAMPLE_ENDPOINT"] = "http://127.0.0.1:9/v1", ["SAMPLE_MODEL"] = "x" });

        Assert.Equal(0, code);
        Assert.Contains("using the offline default", stderr);
        Assert.Contains("did not answer", stderr);
        Assert.DoesNotContain("Unhandled exception", stderr + stdout);
    }

    [Fact]
    public async Task Sample_WrongModelFolder_OneClearMessage()
    {
        (int code, _, string stderr) = await RunAsync("\n", new() { ["SAMPLE_ENDPOINT"] = "http://127.0.0.1:9/v1", ["SAMPLE_MODEL"] = "x", ["Clip__ModelDirectory"] = "/nonexistent" });

        Assert.Equal(1, code);
        Assert.Contains("Cannot start", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }
}
