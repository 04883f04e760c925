namespace AgentRetrieval.Metadata;

/// <summary>A named place: a city (with its country) or a whole country.</summary>
/// <param name="City">The city or town, or null for a country-level place.</param>
/// <param name="CountryCode">The ISO 3166-1 alpha-2 country code.</param>
/// <param name="Country">The country's English name.</param>
/// <param name="Latitude">The city's position (null for a country).</param>
/// <param name="Longitude">The city's position (null for a country).</param>
public sealed record Place(string? City, string CountryCode, string Country, double? Latitude = null, double? Longitude = null)
{
    /// <summary>"Lisbon, Portugal" or "Portugal".</summary>
    public string DisplayName => City is null ? Country : $"{City}, {Country}";

    /// <inheritdoc/>
    public override string ToString() => DisplayName;
}
