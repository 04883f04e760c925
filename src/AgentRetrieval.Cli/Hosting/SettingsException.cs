namespace AgentRetrieval.Cli.Hosting;

/// <summary>A configuration or usage problem the user must fix; its message says how.</summary>
internal sealed class SettingsException : Exception
{
    public SettingsException()
    {
    }

    public SettingsException(string message)
        : base(message)
    {
    }

    public SettingsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
