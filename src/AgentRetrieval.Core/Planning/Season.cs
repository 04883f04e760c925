namespace AgentRetrieval.Planning;

/// <summary>A meteorological season (three whole months), whose months depend on the hemisphere.</summary>
public enum Season
{
    /// <summary>March–May in the north, September–November in the south.</summary>
    Spring,

    /// <summary>June–August in the north, December–February (from the year named) in the south.</summary>
    Summer,

    /// <summary>September–November in the north, March–May in the south.</summary>
    Autumn,

    /// <summary>December (of the year named)–February in the north, June–August in the south.</summary>
    Winter,
}
