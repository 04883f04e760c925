using System.Globalization;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>
/// Remembers for a while that the model hub could not be reached (a small file in the models folder), so that later
/// commands start at once instead of waiting for the same failed download every time.
/// </summary>
internal static class HubMemory
{
    private const string FileName = ".hub-unreachable";

    /// <summary>How long an unreachable hub is not tried again.</summary>
    public static TimeSpan Window { get; } = TimeSpan.FromMinutes(30);

    /// <summary>When the hub was last found unreachable, if within <see cref="Window"/>.</summary>
    public static DateTimeOffset? RecentlyUnreachable(string modelsDirectory)
    {
        try
        {
            string path = Path.Combine(modelsDirectory, FileName);
            if (File.Exists(path) && DateTimeOffset.TryParse(File.ReadAllText(path).Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset when)
                && DateTimeOffset.UtcNow - when < Window && when <= DateTimeOffset.UtcNow)
            {
                return when;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Nothing remembered: try the hub.
        }

        return null;
    }

    public static void Remember(string modelsDirectory)
    {
        try
        {
            Directory.CreateDirectory(modelsDirectory);
            File.WriteAllText(Path.Combine(modelsDirectory, FileName), DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not remembered: the next command tries again.
        }
    }

    public static void Forget(string modelsDirectory)
    {
        try
        {
            File.Delete(Path.Combine(modelsDirectory, FileName));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Harmless.
        }
    }
}
