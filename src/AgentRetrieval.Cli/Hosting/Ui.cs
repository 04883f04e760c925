using Spectre.Console;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>Where output goes: results on standard output, progress and messages on standard error.</summary>
internal static class Ui
{
    public static IAnsiConsole Out { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });

    public static IAnsiConsole Err { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Whether progress bars can be drawn (standard error is a terminal).</summary>
    public static bool Interactive => !Console.IsErrorRedirected && Err.Profile.Capabilities.Interactive;

    public static void Error(string message) => Console.Error.WriteLine($"error: {message}");

    public static void Info(string message) => Console.Error.WriteLine(message);

    /// <summary>A duration as people say it: "45s", "12 min", "3 h 20 min".</summary>
    public static string Duration(TimeSpan t) =>
        t.TotalSeconds < 90 ? $"{Math.Max(0, t.TotalSeconds):0}s"
        : t.TotalMinutes < 90 ? $"{t.TotalMinutes:0} min"
        : $"{(int)t.TotalHours} h {t.Minutes} min";
}
