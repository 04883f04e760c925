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
}
