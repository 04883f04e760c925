using System.Diagnostics;
using System.Text;

namespace AgentRetrieval.Tests;

/// <summary>Runs the real <c>agentretrieval</c> program as a process, with its own HOME so nothing leaks between tests.</summary>
internal sealed class CliRunner(string home)
{
    public static string Program => Path.Combine(AppContext.BaseDirectory, "agentretrieval.dll");

    /// <summary>Extra environment; the text-in-pictures pass is off unless a test turns it on (it is measured on its own).</summary>
    public Dictionary<string, string> Environment { get; } = new() { ["AGENTRETRIEVAL_Indexing__Ocr"] = "false" };

    public Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args) => RunWithInputAsync(null, args);

    public async Task<(int ExitCode, string Stdout, string Stderr)> RunWithInputAsync(string? input, params string[] args)
    {
        using Process p = Start(args);
        if (input is not null)
        {
            await p.StandardInput.WriteAsync(input);
        }

        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    public Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            WorkingDirectory = home,
        };
        psi.ArgumentList.Add(Program);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["HOME"] = home;
        psi.Environment["DOTNET_CLI_HOME"] = home;
        foreach ((string k, string v) in Environment)
        {
            psi.Environment[k] = v;
        }

        return Process.Start(psi)!;
    }
}
