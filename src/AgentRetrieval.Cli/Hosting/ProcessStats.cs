using System.Diagnostics;
using System.Globalization;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>This process's start-up time and peak memory, for the timings a command reports.</summary>
internal static class ProcessStats
{
    /// <summary>Milliseconds since the operating system started the process.</summary>
    public static double SinceStartMs()
    {
        using var self = Process.GetCurrentProcess();
        return (DateTime.Now - self.StartTime).TotalMilliseconds;
    }

    /// <summary>The peak resident memory so far in MB (VmHWM on Linux, the peak working set elsewhere).</summary>
    public static double PeakMemoryMb()
    {
        try
        {
            if (File.Exists("/proc/self/status"))
            {
                foreach (string line in File.ReadLines("/proc/self/status"))
                {
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    {
                        string kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                        return long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0;
                    }
                }
            }
        }
        catch (IOException)
        {
        }

        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 / 1048576.0;
    }
}
