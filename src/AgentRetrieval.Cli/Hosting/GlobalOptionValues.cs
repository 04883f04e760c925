namespace AgentRetrieval.Cli.Hosting;

/// <summary>The options every command accepts, as parsed.</summary>
internal sealed record GlobalOptionValues(string? Model, string? Variant, string? Index, bool Offline, int? BatchSize, long? MaxPixels);
