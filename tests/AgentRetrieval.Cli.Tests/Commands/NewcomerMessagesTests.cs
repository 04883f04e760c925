using System.Net;
using System.Net.Sockets;

namespace AgentRetrieval.Tests.Commands;

/// <summary>What a newcomer sees when something is off: one clear line, no stack trace, no internal wording.</summary>
public sealed class NewcomerMessagesTests
{
    private static string[] Common(TempDirectory home) => ["--model", SharedFixtures.ClipTiny, "--index", home.Combine("index")];

    [Fact]
    public async Task Serve_PortInUse_OneClearErrorAndNoListeningLine()
    {
        using var home = new TempDirectory();
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        int port = ((IPEndPoint)busy.LocalEndpoint).Port;
        string gallery = Path.Combine(SharedFixtures.Data, "demo-gallery");

        (int code, string stdout, string stderr) = await new CliRunner(home.Path).RunAsync(["serve", gallery, "--urls", $"http://127.0.0.1:{port}", .. Common(home)]);

        Assert.Equal(1, code);
        Assert.Contains("already in use", stderr);
        Assert.DoesNotContain("chat page:", stderr + stdout);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task Chat_EmptyFolderOrOverlongMessage_SaysWhatIsWrong()
    {
        using var home = new TempDirectory();
        string empty = home.Combine("empty");
        Directory.CreateDirectory(empty);
        (int code, _, string stderr) = await new CliRunner(home.Path).RunWithInputAsync("", ["chat", empty, .. Common(home)]);
        Assert.Equal(1, code);
        Assert.Contains("No images could be indexed", stderr);
        Assert.DoesNotContain("Give a folder", stderr);

        string gallery = Path.Combine(SharedFixtures.Data, "demo-gallery");
        (code, _, stderr) = await new CliRunner(home.Path).RunWithInputAsync(new string('a', 2100) + "\n", ["chat", gallery, .. Common(home)]);
        Assert.Equal(0, code);
        Assert.Contains("the limit is 2000", stderr);
        Assert.DoesNotContain("(Parameter", stderr);
    }

    [Fact]
    public async Task EmbedAndSearchImage_Fifo_RefusedAtOnceNotHung()
    {
        using var home = new TempDirectory();
        string fifo = home.Combine("x.jpg");
        using (var mk = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            await mk.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        // Before the fix both waited forever for a writer.
        (int code, _, string stderr) = await new CliRunner(home.Path).RunAsync(["embed", "--image", fifo, .. Common(home)]);
        Assert.Equal(1, code);
        Assert.Contains("not a regular file", stderr);
    }
}
