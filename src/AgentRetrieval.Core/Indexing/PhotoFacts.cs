using AgentRetrieval.Metadata;

namespace AgentRetrieval.Indexing;

/// <summary>
/// The filterable facts of every searchable image, in the order of the index's vector rows, so that a filter is one scan
/// of small arrays in memory (no SQL per query).
/// </summary>
internal sealed class PhotoFacts
{
    public static readonly PhotoFacts Empty = new([], [], [], [], [], [], [], [], []);

    public PhotoFacts(long[] taken, float[] lat, float[] lon, int[] city, int[] country, int[] camera, string[] cities, string[] countries, (string? Make, string? Model)[] cameras)
    {
        Taken = taken;
        Lat = lat;
        Lon = lon;
        City = city;
        Country = country;
        Camera = camera;
        Cities = cities;
        Countries = countries;
        Cameras = cameras;
    }

    /// <summary>Wall-clock ticks of the date taken; 0 when unknown.</summary>
    public long[] Taken { get; }

    public float[] Lat { get; }

    public float[] Lon { get; }

    public int[] City { get; }

    public int[] Country { get; }

    public int[] Camera { get; }

    /// <summary>City names as stored.</summary>
    public string[] Cities { get; }

    /// <summary>Country codes.</summary>
    public string[] Countries { get; }

    public (string? Make, string? Model)[] Cameras { get; }
}

/// <summary>Collects <see cref="PhotoFacts"/> row by row.</summary>
internal sealed class FactsBuilder
{
    private readonly List<long> _taken = [];
    private readonly List<float> _lat = [];
    private readonly List<float> _lon = [];
    private readonly List<int> _city = [];
    private readonly List<int> _country = [];
    private readonly List<int> _camera = [];
    private readonly Dictionary<string, int> _cities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _countries = new(StringComparer.Ordinal);
    private readonly Dictionary<(string?, string?), int> _cameras = [];

    public void Add((PhotoMetadata? Metadata, Place? Place) row)
    {
        PhotoMetadata m = row.Metadata ?? PhotoMetadata.Empty;
        _taken.Add(m.TakenAt?.Ticks ?? 0);
        _lat.Add(m.Latitude is double la ? (float)la : float.NaN);
        _lon.Add(m.Longitude is double lo ? (float)lo : float.NaN);
        _city.Add(row.Place?.City is { } c ? Intern(_cities, c) : -1);
        _country.Add(row.Place?.CountryCode is { } cc ? Intern(_countries, cc) : -1);
        if (m.CameraMake is null && m.CameraModel is null)
        {
            _camera.Add(-1);
        }
        else
        {
            if (!_cameras.TryGetValue((m.CameraMake, m.CameraModel), out int id))
            {
                _cameras[(m.CameraMake, m.CameraModel)] = id = _cameras.Count;
            }

            _camera.Add(id);
        }
    }

    public PhotoFacts Build()
    {
        string[] cities = new string[_cities.Count];
        foreach ((string k, int v) in _cities)
        {
            cities[v] = k;
        }

        string[] countries = new string[_countries.Count];
        foreach ((string k, int v) in _countries)
        {
            countries[v] = k;
        }

        var cameras = new (string?, string?)[_cameras.Count];
        foreach (((string? make, string? model), int v) in _cameras)
        {
            cameras[v] = (make, model);
        }

        return new PhotoFacts([.. _taken], [.. _lat], [.. _lon], [.. _city], [.. _country], [.. _camera], cities, countries, cameras);
    }

    private static int Intern(Dictionary<string, int> table, string value)
    {
        if (!table.TryGetValue(value, out int id))
        {
            table[value] = id = table.Count;
        }

        return id;
    }
}
