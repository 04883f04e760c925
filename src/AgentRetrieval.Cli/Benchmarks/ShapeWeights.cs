using System.Diagnostics;

using AgentRetrieval.Cli.Hosting;

namespace AgentRetrieval.Cli.Benchmarks;

/// <summary>Makes a runnable copy of a real-size shape fixture (its weights are a fixed pattern) with the fixture's own script.</summary>
internal static class ShapeWeights
{
    public static string MakeRunnable(string fixtures, string shape, Action<string> log)
    {
        string script = Path.Combine(fixtures, "make_shape_weights.py");
        string source = Path.Combine(fixtures, shape);
        if (!File.Exists(script) || !Directory.Exists(source))
        {
            throw new SettingsException($"--ingest-shapes needs '{script}' and '{source}' (the shared fixtures folder).");
        }

        string target = Path.Combine(Path.GetTempPath(), "agentretrieval-bench-" + shape + "-" + Guid.NewGuid().ToString("N")[..8]);
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(source);
        start.ArgumentList.Add(target);
        var sw = Stopwatch.StartNew();
        using Process p = Process.Start(start) ?? throw new SettingsException("python3 could not be started (needed by --ingest-shapes).");
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new SettingsException($"make_shape_weights.py failed for {shape}: {err.Trim()}");
        }

        log($"  runnable {shape} written to {target} in {sw.Elapsed.TotalSeconds:0.0} s");
        return target;
    }
}
