using System.Globalization;
using System.Numerics.Tensors;
using System.Text;
using AgentRetrieval.Metadata;
using AgentRetrieval.Planning;
using Microsoft.Data.Sqlite;

namespace AgentRetrieval.Indexing;

/// <summary>The catalogue's metadata, recognised text, full-text index and filters.</summary>
public sealed partial class EmbeddedImageIndex
{
    /// <summary>The version of the metadata reading; images read by an older one are read again by the next index run.</summary>
    internal const int MetadataVersion = 1;

    private const string MetadataColumns = "meta_version, taken_local, taken_offset, latitude, longitude, camera_make, camera_model, orientation, place_city, place_country";

    private static readonly (string Name, string Type)[] s_addedColumns =
    [
        ("meta_version", "INTEGER"), ("taken_local", "TEXT"), ("taken_offset", "INTEGER"), ("latitude", "REAL"), ("longitude", "REAL"),
        ("camera_make", "TEXT"), ("camera_model", "TEXT"), ("orientation", "INTEGER"), ("place_city", "TEXT"), ("place_country", "TEXT"),
        ("ocr_version", "INTEGER"),
    ];

    /// <summary>Adds what schema 2 has over schema 1, in place; nothing is lost and nothing re-embedded.</summary>
    private static void Migrate(SqliteConnection connection)
    {
        var existing = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        using (SqliteCommand info = connection.CreateCommand())
        {
            info.CommandText = "PRAGMA table_info(images)";
            using SqliteDataReader r = info.ExecuteReader();
            while (r.Read())
            {
                existing.Add(r.GetString(1));
            }
        }

        using SqliteTransaction tx = connection.BeginTransaction();
        foreach ((string name, string type) in s_addedColumns.Where(c => !existing.Contains(c.Name)))
        {
            Execute(connection, tx, $"ALTER TABLE images ADD COLUMN {name} {type}");
        }

        Execute(connection, tx, """
            CREATE INDEX IF NOT EXISTS images_taken ON images(taken_local);
            CREATE INDEX IF NOT EXISTS images_place ON images(place_country, COALESCE(place_city, '')) WHERE place_country IS NOT NULL;
            CREATE INDEX IF NOT EXISTS images_camera ON images(COALESCE(camera_make, ''), COALESCE(camera_model, '')) WHERE camera_make IS NOT NULL OR camera_model IS NOT NULL;
            CREATE TABLE IF NOT EXISTS ocr_lines (hash TEXT NOT NULL, line INTEGER NOT NULL, text TEXT NOT NULL, confidence REAL NOT NULL, PRIMARY KEY (hash, line));
            CREATE TABLE IF NOT EXISTS descriptions (hash TEXT PRIMARY KEY, model TEXT NOT NULL, record TEXT NOT NULL, text TEXT NOT NULL);
            CREATE VIRTUAL TABLE IF NOT EXISTS names_fts USING fts5(body, tokenize = 'porter unicode61 remove_diacritics 2');
            CREATE VIRTUAL TABLE IF NOT EXISTS ocr_fts USING fts5(body, tokenize = 'trigram');
            """);
        tx.Commit();

        // An index from before the full-text index gets its names indexed once (counting a large catalogue costs a
        // scan, so once it is done the catalogue says so).
        if (ReadMeta(connection, "names_complete") == "1")
        {
            return;
        }

        long images = Convert.ToInt64(ScalarOf(connection, "SELECT COUNT(*) FROM images"), CultureInfo.InvariantCulture);
        long named = Convert.ToInt64(ScalarOf(connection, "SELECT COUNT(*) FROM names_fts"), CultureInfo.InvariantCulture);
        if (images == named)
        {
            WriteMeta(connection, "names_complete", "1");
        }
        else
        {
            using SqliteTransaction rebuild = connection.BeginTransaction();
            Execute(connection, rebuild, "DELETE FROM names_fts");
            var hashes = new List<string>();
            using (SqliteCommand all = connection.CreateCommand())
            {
                all.Transaction = rebuild;
                all.CommandText = "SELECT hash FROM images";
                using SqliteDataReader r = all.ExecuteReader();
                while (r.Read())
                {
                    hashes.Add(r.GetString(0));
                }
            }

            RefreshNames(connection, rebuild, hashes);
            rebuild.Commit();
            WriteMeta(connection, "names_complete", "1");
        }
    }

    private void WriteMetadata(SqliteTransaction tx, string hash, PhotoMetadata m, Place? place)
    {
        using SqliteCommand cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            UPDATE images SET meta_version = $v, taken_local = $t, taken_offset = $o, latitude = $lat, longitude = $lon,
                camera_make = $make, camera_model = $model, orientation = $or, place_city = $city, place_country = $country
            WHERE hash = $h
            """;
        cmd.Parameters.AddWithValue("$h", hash);
        cmd.Parameters.AddWithValue("$v", MetadataVersion);
        cmd.Parameters.AddWithValue("$t", (object?)m.TakenAt?.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$o", (object?)(m.TakenOffset is { } o ? (int)o.TotalMinutes : null) ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$lat", (object?)m.Latitude ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$lon", (object?)m.Longitude ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$make", (object?)m.CameraMake ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$model", (object?)m.CameraModel ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$or", (object?)m.Orientation ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$city", (object?)place?.City ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$country", (object?)place?.CountryCode ?? DBNull.Value);
        cmd.ExecuteNonQuery();
    }

    private static (PhotoMetadata? Metadata, Place? Place) ReadMetadata(SqliteDataReader r, int first)
    {
        if (r.IsDBNull(first))
        {
            return (null, null);
        }

        DateTime? taken = r.IsDBNull(first + 1) ? null
            : DateTime.ParseExact(r.GetString(first + 1), "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None);
        TimeSpan? offset = r.IsDBNull(first + 2) ? null : TimeSpan.FromMinutes(r.GetInt32(first + 2));
        double? lat = r.IsDBNull(first + 3) ? null : r.GetDouble(first + 3);
        double? lon = r.IsDBNull(first + 4) ? null : r.GetDouble(first + 4);
        string? make = r.IsDBNull(first + 5) ? null : r.GetString(first + 5);
        string? model = r.IsDBNull(first + 6) ? null : r.GetString(first + 6);
        int? orientation = r.IsDBNull(first + 7) ? null : r.GetInt32(first + 7);
        string? city = r.IsDBNull(first + 8) ? null : r.GetString(first + 8);
        string? country = r.IsDBNull(first + 9) ? null : r.GetString(first + 9);
        Place? place = country is null ? null : new Place(city, country, CountryNames.NameOf(country));
        return (new PhotoMetadata(taken, offset, lat, lon, make, model, orientation), place);
    }

    private void RefreshNames(SqliteTransaction tx, IEnumerable<string> hashes) => RefreshNames(_connection, tx, hashes);

    /// <summary>Rewrites the full-text row of each image: its file and folder names and its description.</summary>
    private static void RefreshNames(SqliteConnection connection, SqliteTransaction tx, IEnumerable<string> hashes)
    {
        foreach (string hash in hashes.Distinct(StringComparer.Ordinal))
        {
            using SqliteCommand q = connection.CreateCommand();
            q.Transaction = tx;
            q.CommandText = "SELECT id, (SELECT text FROM descriptions d WHERE d.hash = i.hash) FROM images i WHERE hash = $h";
            q.Parameters.AddWithValue("$h", hash);
            long id;
            string? description;
            using (SqliteDataReader r = q.ExecuteReader())
            {
                if (!r.Read())
                {
                    continue;
                }

                id = r.GetInt64(0);
                description = r.IsDBNull(1) ? null : r.GetString(1);
            }

            var body = new StringBuilder();
            using (SqliteCommand p = connection.CreateCommand())
            {
                p.Transaction = tx;
                p.CommandText = "SELECT path FROM files WHERE hash = $h";
                p.Parameters.AddWithValue("$h", hash);
                using SqliteDataReader r = p.ExecuteReader();
                while (r.Read())
                {
                    body.Append(NameWords(r.GetString(0))).Append('\n');
                }
            }

            body.Append(description);
            using SqliteCommand w = connection.CreateCommand();
            w.Transaction = tx;
            w.CommandText = "DELETE FROM names_fts WHERE rowid = $id; INSERT INTO names_fts (rowid, body) VALUES ($id, $b)";
            w.Parameters.AddWithValue("$id", id);
            w.Parameters.AddWithValue("$b", body.ToString());
            w.ExecuteNonQuery();
        }
    }

    /// <summary>The searchable words of a path: the file name without extension and the last three folder names.</summary>
    internal static string NameWords(string path)
    {
        string name = Path.GetFileNameWithoutExtension(path);
        string[] folders = (Path.GetDirectoryName(path) ?? "").Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        // CamelCase and separators become words: "BeachDay_2019-07" → "Beach Day 2019 07".
        var sb = new StringBuilder();
        foreach (string part in folders.TakeLast(3).Append(name))
        {
            for (int i = 0; i < part.Length; i++)
            {
                char c = part[i];
                if (i > 0 && char.IsUpper(c) && char.IsLower(part[i - 1]))
                {
                    sb.Append(' ');
                }

                sb.Append(char.IsLetterOrDigit(c) ? c : ' ');
            }

            sb.Append(' ');
        }

        return sb.ToString();
    }

    /// <summary>The ids of the images a filter lets through.</summary>
    /// <param name="filter">The filter.</param>
    /// <returns>The ids, or null when the filter lets everything through.</returns>
    public IReadOnlySet<long>? Match(CatalogFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.IsEmpty)
        {
            return null;
        }

        Snapshot s = GetSnapshot();
        bool[] mask = new bool[s.Ids.Length];
        int count = 0;
        DateBounds bounds = DateBounds.Of(filter.Date);
        for (int row = 0; row < s.Ids.Length; row++)
        {
            if (Matches(s, row, filter, bounds))
            {
                mask[row] = true;
                count++;
            }
        }

        return new RowSet(s, mask, count);
    }

    /// <summary>A date filter as tick bounds for each hemisphere, computed once per query rather than per photo.</summary>
    private readonly record struct DateBounds(long NorthFrom, long NorthTo, long SouthFrom, long SouthTo)
    {
        public static DateBounds Of(DateFilter? date)
        {
            if (date is null)
            {
                return new(long.MinValue, long.MaxValue, long.MinValue, long.MaxValue);
            }

            (DateOnly? nf, DateOnly? nt) = date.RangeAt(null);
            (DateOnly? sf, DateOnly? st) = date.RangeAt(-1);
            static long From(DateOnly? d) => d?.ToDateTime(TimeOnly.MinValue).Ticks ?? long.MinValue;
            static long To(DateOnly? d) => d?.ToDateTime(TimeOnly.MaxValue).Ticks ?? long.MaxValue;
            return new(From(nf), To(nt), From(sf), To(st));
        }

        public bool Contains(long ticks, float lat) => lat < 0 ? ticks >= SouthFrom && ticks <= SouthTo : ticks >= NorthFrom && ticks <= NorthTo;
    }

    private static bool Matches(Snapshot s, int row, CatalogFilter f, DateBounds bounds)
    {
        PhotoFacts facts = s.Facts;
        if (facts.Taken.Length != s.Ids.Length)
        {
            return f.Date is null && f.Place is null && f.Camera is null && MatchesAnyPath(s, row, f);
        }

        float lat = facts.Lat[row], lon = facts.Lon[row];
        if (f.Date is not null)
        {
            long ticks = facts.Taken[row];
            if (ticks == 0 || !bounds.Contains(ticks, lat))
            {
                return false;
            }
        }

        if (f.Place is not null)
        {
            bool any = false;
            foreach (Place p in f.Place.Places)
            {
                int country = facts.Country[row];
                string? code = country >= 0 ? facts.Countries[country] : null;
                if (p.City is null)
                {
                    any = code == p.CountryCode;
                }
                else
                {
                    int city = facts.City[row];
                    any = (city >= 0 && code == p.CountryCode && CountryNames.Normalize(facts.Cities[city]) == CountryNames.Normalize(p.City))
                        || (p.Latitude is double plat && p.Longitude is double plon && !float.IsNaN(lat)
                            && Gazetteer.DistanceKm(lat, lon, plat, plon) <= Gazetteer.CityRadiusKm);
                }

                if (any)
                {
                    break;
                }
            }

            if (!any)
            {
                return false;
            }
        }

        if (f.Camera is not null)
        {
            int camera = facts.Camera[row];
            if (camera < 0)
            {
                return false;
            }

            (string? make, string? model) = facts.Cameras[camera];
            if (!f.Camera.Models.Any(m => m.Make == make && m.Model == model))
            {
                return false;
            }
        }

        return MatchesAnyPath(s, row, f);
    }

    private static bool MatchesAnyPath(Snapshot s, int row, CatalogFilter f) =>
        s.Copies.TryGetValue(row, out string[]? all) ? all.Any(p => MatchesPath(p, f)) : MatchesPath(s.Paths[row], f);

    private static bool MatchesPath(string path, CatalogFilter f)
    {
        if (f.Roots.Count > 0 && !f.Roots.Any(root => path.StartsWith(Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            return false;
        }

        if (f.Folder is not null)
        {
            string[] folders = (Path.GetDirectoryName(path) ?? "").Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            return folders.Any(d => d.Contains(f.Folder, StringComparison.OrdinalIgnoreCase));
        }

        return true;
    }

    /// <summary>Every image a filter lets through, in date order (undated last), one page at a time.</summary>
    /// <param name="filter">The filter.</param>
    /// <param name="newestFirst">Newest first, else oldest first.</param>
    /// <param name="offset">How many to skip.</param>
    /// <param name="count">How many at most.</param>
    /// <returns>The page and the number of matches in all.</returns>
    public (IReadOnlyList<ImageHit> Page, int Total) ListByDate(CatalogFilter filter, bool newestFirst, int offset, int count)
    {
        ArgumentNullException.ThrowIfNull(filter);
        Snapshot s = GetSnapshot();
        var rows = new List<int>();
        DateBounds bounds = DateBounds.Of(filter.Date);
        for (int row = 0; row < s.Ids.Length; row++)
        {
            if (filter.IsEmpty || Matches(s, row, filter, bounds))
            {
                rows.Add(row);
            }
        }

        int matches = rows.Count;
        long[] taken = s.Facts.Taken.Length == s.Ids.Length ? s.Facts.Taken : new long[s.Ids.Length];
        // Undated last; ties by id, which is row order.
        long Key(int row) => taken[row] == 0 ? long.MaxValue : newestFirst ? ~taken[row] : taken[row];
        int wanted = offset + count + 16; // a few spare for damaged rows
        if ((long)wanted * 8 < matches)
        {
            // A page near the start of many matches (the start page's newest photos at a million): keep the first
            // ones with a bounded heap instead of sorting every match; sorted in full only if damaged rows used up
            // the spares.
            (List<ImageHit> first, int damagedAmongFirst) = Page(s, First(rows, wanted, Key), offset, count);
            if (first.Count == count)
            {
                return (first, matches - damagedAmongFirst);
            }
        }

        rows.Sort((a, b) => Key(a) != Key(b) ? Key(a).CompareTo(Key(b)) : a.CompareTo(b));
        (List<ImageHit> page, int damaged) = Page(s, rows, offset, count);
        return (page, matches - damaged);
    }

    /// <summary>The page of ordered rows from <paramref name="offset"/>, skipping damaged rows (never served, here as in a search; their files are embedded again).</summary>
    private static (List<ImageHit> Page, int Damaged) Page(Snapshot s, List<int> ordered, int offset, int count)
    {
        int damaged = 0;
        var page = new List<ImageHit>(count);
        if (s.Enter())
        {
            try
            {
                foreach (int r in ordered.Skip(offset))
                {
                    if (page.Count == count)
                    {
                        break;
                    }

                    if (!IsServable(s, r, 0f))
                    {
                        damaged++;
                        continue;
                    }

                    page.Add(new ImageHit(s.Ids[r], s.Paths[r], 0f));
                }
            }
            finally
            {
                s.Exit();
            }
        }

        return (page, damaged);
    }

    /// <summary>The <paramref name="wanted"/> rows of smallest key (ties by row), in that order.</summary>
    private static List<int> First(List<int> rows, int wanted, Func<int, long> key)
    {
        var largestFirst = Comparer<(long Key, int Row)>.Create((a, b) => b.CompareTo(a));
        var heap = new PriorityQueue<int, (long Key, int Row)>(wanted + 1, largestFirst);
        foreach (int row in rows)
        {
            (long Key, int Row) item = (key(row), row);
            if (heap.Count < wanted)
            {
                heap.Enqueue(row, item);
            }
            else if (heap.TryPeek(out _, out (long Key, int Row) worst) && item.CompareTo(worst) < 0)
            {
                heap.EnqueueDequeue(row, item);
            }
        }

        var first = new List<int>(heap.Count);
        while (heap.TryDequeue(out int row, out _))
        {
            first.Add(row);
        }

        first.Reverse();
        return first;
    }

    /// <summary>The date an image was taken (wall-clock): from the in-memory facts once loaded, else from its catalogue row.</summary>
    /// <param name="id">The catalogue id.</param>
    public DateTime? TakenAt(long id)
    {
        Snapshot s = GetSnapshot();
        if (!s.FactsLoaded)
        {
            // A few results of a fresh process need not load the facts of a million photos.
            lock (_lock)
            {
                using SqliteCommand cmd = _connection.CreateCommand();
                cmd.CommandText = "SELECT taken_local FROM images WHERE id = $id";
                cmd.Parameters.AddWithValue("$id", id);
                return cmd.ExecuteScalar() is string t ? DateTime.ParseExact(t, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None) : null;
            }
        }

        int row = Array.BinarySearch(s.Ids, id);
        return row < 0 || s.Facts.Taken.Length != s.Ids.Length || s.Facts.Taken[row] == 0 ? null : new DateTime(s.Facts.Taken[row]);
    }


    /// <summary>
    /// Full-text search: recognised text (trigram tokenizer: tolerant of OCR errors, splits CJK) and, unless
    /// <paramref name="recognisedTextOnly"/>, file and folder names and descriptions (word tokenizer with stemming).
    /// </summary>
    /// <param name="query">The words to find.</param>
    /// <param name="recognisedTextOnly">Only the text recognised in the pictures.</param>
    /// <param name="allowed">The ids to search among, or null for all.</param>
    /// <param name="top">How many at most.</param>
    /// <returns>(id, relevance) best first; relevance is the negated BM25 (higher is better).</returns>
    public IReadOnlyList<(long Id, double Score)> TextSearch(string query, bool recognisedTextOnly, IReadOnlySet<long>? allowed, int top)
    {
        ArgumentNullException.ThrowIfNull(query);
        string[] words = [.. query.Split((char[])[' ', '\t', ',', '.', ';', ':', '!', '?', '"', '\'', '(', ')', '-', '/', '*', '^', '+'], StringSplitOptions.RemoveEmptyEntries)
            .Where(w => !s_textStopWords.Contains(w)).Distinct(StringComparer.OrdinalIgnoreCase)];
        if (words.Length == 0)
        {
            return [];
        }

        var scores = new Dictionary<long, double>();
        lock (_lock)
        {
            // Recognised text: the whole phrase counts most, then each word of three or more characters.
            string[] ocrTerms = [.. words.Where(w => w.Length >= 3).Select(Quote)];
            if (ocrTerms.Length > 0)
            {
                string phrase = Quote(string.Join(' ', words));
                Collect("ocr_fts", (words.Length > 1 && phrase.Length >= 5 ? phrase + " OR " : "") + string.Join(" OR ", ocrTerms), 1.0, scores, allowed);
            }

            if (!recognisedTextOnly)
            {
                Collect("names_fts", string.Join(" OR ", words.Select(Quote)), 1.0, scores, allowed);
            }
        }

        return [.. scores.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).Take(top).Select(kv => (kv.Key, kv.Value))];
    }

    private static readonly HashSet<string> s_textStopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "the", "of", "in", "on", "at", "with", "and", "or", "to", "for", "from", "by", "is", "are", "photo", "photos",
        "picture", "pictures", "image", "images", "my", "some", "that", "this", "it", "its", "not", "no", "AND", "OR", "NOT", "NEAR",
    };

    private static string Quote(string term) => "\"" + term.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private void Collect(string table, string match, double weight, Dictionary<long, double> scores, IReadOnlySet<long>? allowed)
    {
        using SqliteCommand cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT rowid, bm25({table}) FROM {table} WHERE {table} MATCH $q ORDER BY bm25({table}) LIMIT 1000";
        cmd.Parameters.AddWithValue("$q", match);
        try
        {
            using SqliteDataReader r = cmd.ExecuteReader();
            while (r.Read())
            {
                long id = r.GetInt64(0);
                if (allowed is not null && !allowed.Contains(id))
                {
                    continue;
                }

                double score = -r.GetDouble(1) * weight;
                scores[id] = scores.TryGetValue(id, out double old) ? old + score : score;
            }
        }
        catch (SqliteException)
        {
            // A query FTS5 cannot parse finds nothing rather than failing the search.
        }
    }

    /// <summary>Every place (city and country) where indexed photos were taken, with positions from the gazetteer.</summary>
    /// <param name="gazetteer">The gazetteer, for the cities' positions (optional).</param>
    public IReadOnlyList<Place> Places(Gazetteer? gazetteer = null)
    {
        var result = new List<Place>();
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            foreach ((string code, string cityKey) in DistinctPairs("place_country", "COALESCE(place_city, '')", "place_country IS NOT NULL"))
            {
                string? city = cityKey.Length == 0 ? null : cityKey;
                Place? located = city is null ? null : gazetteer?.FindCities(city).FirstOrDefault(p => p.CountryCode == code);
                result.Add(new Place(city, code, CountryNames.NameOf(code), located?.Latitude, located?.Longitude));
            }
        }

        return result;
    }

    /// <summary>
    /// The distinct (first, second) pairs of an indexed pair of expressions, by jumping from one to the next through
    /// the index (a skip scan): a few lookups per distinct pair instead of a scan of every photo.
    /// </summary>
    private List<(string First, string Second)> DistinctPairs(string first, string second, string where)
    {
        var pairs = new List<(string, string)>();
        string? a = null;
        while (Next(first, $"{where}{(a is null ? "" : $" AND {first} > $a")}", a, null) is { } nextFirst)
        {
            a = nextFirst;
            string? b = null;
            while (Next(second, $"{where} AND {first} = $a{(b is null ? "" : $" AND {second} > $b")}", a, b) is { } nextSecond)
            {
                b = nextSecond;
                pairs.Add((a, b));
            }
        }

        return pairs;

        string? Next(string column, string condition, string? pa, string? pb)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = $"SELECT {column} FROM images WHERE {condition} ORDER BY {column} LIMIT 1";
            cmd.Parameters.AddWithValue("$a", (object?)pa ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$b", (object?)pb ?? DBNull.Value);
            return cmd.ExecuteScalar() as string;
        }
    }

    /// <summary>Every camera (make, model) that took indexed photos.</summary>
    public IReadOnlyList<CameraModel> Cameras()
    {
        var result = new List<CameraModel>();
        lock (_lock)
        {
            foreach ((string make, string model) in DistinctPairs("COALESCE(camera_make, '')", "COALESCE(camera_model, '')", "(camera_make IS NOT NULL OR camera_model IS NOT NULL)"))
            {
                result.Add(new CameraModel(make.Length == 0 ? null : make, model.Length == 0 ? null : model));
            }
        }

        return result;
    }

    /// <summary>The earliest and latest date taken in the index, when any photo has one.</summary>
    public (DateTime? First, DateTime? Last) DateSpan()
    {
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT MIN(taken_local), MAX(taken_local) FROM images WHERE taken_local IS NOT NULL";
            using SqliteDataReader r = cmd.ExecuteReader();
            if (!r.Read() || r.IsDBNull(0))
            {
                return (null, null);
            }

            static DateTime P(string t) => DateTime.ParseExact(t, "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None);
            return (P(r.GetString(0)), P(r.GetString(1)));
        }
    }

    /// <summary>Images whose metadata was never read (an index from an older version), or whose place could now be named.</summary>
    /// <param name="canGeocode">Whether a gazetteer is available.</param>
    /// <returns>(hash, one of its files).</returns>
    public IReadOnlyList<(string Hash, string Path)> ImagesNeedingMetadata(bool canGeocode)
    {
        var result = new List<(string, string)>();
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = $"""
                SELECT i.hash, (SELECT MIN(f.path) FROM files f WHERE f.hash = i.hash) FROM images i
                WHERE i.meta_version IS NULL OR i.meta_version < {MetadataVersion}
                   OR ($g = 1 AND i.latitude IS NOT NULL AND i.place_country IS NULL)
                """;
            cmd.Parameters.AddWithValue("$g", canGeocode ? 1 : 0);
            using SqliteDataReader r = cmd.ExecuteReader();
            while (r.Read())
            {
                if (!r.IsDBNull(1))
                {
                    result.Add((r.GetString(0), r.GetString(1)));
                }
            }
        }

        return result;
    }

    /// <summary>Stores the metadata of already-indexed content (the fill-in pass of an upgraded index).</summary>
    /// <param name="hash">The content hash.</param>
    /// <param name="metadata">What the file says.</param>
    /// <param name="place">Where, when known.</param>
    public void UpdateMetadata(string hash, PhotoMetadata metadata, Place? place)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        lock (_lock)
        {
            using SqliteTransaction tx = _connection.BeginTransaction();
            WriteMetadata(tx, hash, metadata, place);
            tx.Commit();
            SetSnapshot(Snapshot.Empty);
        }
    }

    /// <summary>Images whose text has not been recognised by this OCR version yet, most recent first.</summary>
    /// <param name="ocrVersion">The OCR pipeline's version.</param>
    /// <returns>(id, hash, one of its files).</returns>
    public IReadOnlyList<(long Id, string Hash, string Path)> ImagesNeedingText(int ocrVersion) =>
        PendingImages("i.ocr_version IS NULL OR i.ocr_version <> $v", ocrVersion);

    /// <summary>The images matching <paramref name="where"/> (over <c>images i</c>, with <c>$v</c> bound), most recent first, with one of their files.</summary>
    private List<(long Id, string Hash, string Path)> PendingImages(string where, object value)
    {
        var result = new List<(long, string, string)>();
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = $"""
                SELECT i.id, i.hash, (SELECT MIN(f.path) FROM files f WHERE f.hash = i.hash) FROM images i
                WHERE {where} ORDER BY i.taken_local DESC, i.id DESC
                """;
            cmd.Parameters.AddWithValue("$v", value);
            using SqliteDataReader r = cmd.ExecuteReader();
            while (r.Read())
            {
                if (!r.IsDBNull(2))
                {
                    result.Add((r.GetInt64(0), r.GetString(1), r.GetString(2)));
                }
            }
        }

        return result;
    }

    /// <summary>Stores the text recognised in an image (replacing an older recognition) and indexes it.</summary>
    /// <param name="hash">The content hash.</param>
    /// <param name="lines">The lines with their confidence.</param>
    /// <param name="ocrVersion">The OCR pipeline's version.</param>
    public void SetText(string hash, IReadOnlyList<(string Text, float Confidence)> lines, int ocrVersion)
    {
        ArgumentNullException.ThrowIfNull(lines);
        lock (_lock)
        {
            using SqliteTransaction tx = _connection.BeginTransaction();
            using (SqliteCommand del = _connection.CreateCommand())
            {
                del.Transaction = tx;
                del.CommandText = "DELETE FROM ocr_lines WHERE hash = $h; DELETE FROM ocr_fts WHERE rowid = (SELECT id FROM images WHERE hash = $h)";
                del.Parameters.AddWithValue("$h", hash);
                del.ExecuteNonQuery();
            }

            for (int i = 0; i < lines.Count; i++)
            {
                using SqliteCommand ins = _connection.CreateCommand();
                ins.Transaction = tx;
                ins.CommandText = "INSERT INTO ocr_lines (hash, line, text, confidence) VALUES ($h, $i, $t, $c)";
                ins.Parameters.AddWithValue("$h", hash);
                ins.Parameters.AddWithValue("$i", i);
                ins.Parameters.AddWithValue("$t", lines[i].Text);
                ins.Parameters.AddWithValue("$c", lines[i].Confidence);
                ins.ExecuteNonQuery();
            }

            using (SqliteCommand upd = _connection.CreateCommand())
            {
                upd.Transaction = tx;
                upd.CommandText = """
                    UPDATE images SET ocr_version = $v WHERE hash = $h;
                    INSERT INTO ocr_fts (rowid, body) SELECT id, $b FROM images WHERE hash = $h AND $b <> '';
                    """;
                upd.Parameters.AddWithValue("$h", hash);
                upd.Parameters.AddWithValue("$v", ocrVersion);
                upd.Parameters.AddWithValue("$b", string.Join('\n', lines.Select(l => l.Text)));
                upd.ExecuteNonQuery();
            }

            tx.Commit();
        }
    }

    /// <summary>How many images have had their text recognised by this OCR version.</summary>
    /// <param name="ocrVersion">The version.</param>
    public int TextRecognisedCount(int ocrVersion)
    {
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM images WHERE ocr_version = $v";
            cmd.Parameters.AddWithValue("$v", ocrVersion);
            return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Images that this describing model has not described yet, most recent first (what is searched most).</summary>
    /// <param name="model">The describing model's identity.</param>
    /// <returns>(id, hash, one of its files).</returns>
    public IReadOnlyList<(long Id, string Hash, string Path)> ImagesNeedingDescription(string model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return PendingImages("NOT EXISTS (SELECT 1 FROM descriptions d WHERE d.hash = i.hash AND d.model = $v)", model);
    }

    /// <summary>
    /// Stores an image's description (replacing any other model's) and indexes its text for full-text search. Each call
    /// commits on its own, so a describing pass can stop at any moment and resume.
    /// </summary>
    /// <param name="hash">The content hash.</param>
    /// <param name="model">The describing model's identity.</param>
    /// <param name="record">The structured record (JSON).</param>
    /// <param name="text">Its searchable text (description, objects, visible text, tags).</param>
    public void SetDescription(string hash, string model, string record, string text)
    {
        ArgumentNullException.ThrowIfNull(hash);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(text);
        lock (_lock)
        {
            using SqliteTransaction tx = _connection.BeginTransaction();
            using (SqliteCommand cmd = _connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT OR REPLACE INTO descriptions (hash, model, record, text) VALUES ($h, $m, $r, $t)";
                cmd.Parameters.AddWithValue("$h", hash);
                cmd.Parameters.AddWithValue("$m", model);
                cmd.Parameters.AddWithValue("$r", record);
                cmd.Parameters.AddWithValue("$t", text);
                cmd.ExecuteNonQuery();
            }

            RefreshNames(tx, [hash]);
            tx.Commit();
        }
    }

    /// <summary>How many images have a description, by any model or by <paramref name="model"/>.</summary>
    /// <param name="model">The describing model, or null for any.</param>
    public int DescribedCount(string? model = null)
    {
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = model is null
                ? "SELECT COUNT(*) FROM descriptions d WHERE EXISTS (SELECT 1 FROM images i WHERE i.hash = d.hash)"
                : "SELECT COUNT(*) FROM descriptions d WHERE d.model = $m AND EXISTS (SELECT 1 FROM images i WHERE i.hash = d.hash)";
            cmd.Parameters.AddWithValue("$m", (object?)model ?? DBNull.Value);
            return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    /// <summary>An image's stored description record (JSON) and the model that wrote it, or null.</summary>
    /// <param name="id">The catalogue id.</param>
    public (string Model, string Record, string Text)? GetDescriptionRecord(long id)
    {
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT d.model, d.record, d.text FROM descriptions d JOIN images i ON i.hash = d.hash WHERE i.id = $id";
            cmd.Parameters.AddWithValue("$id", id);
            using SqliteDataReader r = cmd.ExecuteReader();
            return r.Read() ? (r.GetString(0), r.GetString(1), r.GetString(2)) : null;
        }
    }

    private string? ReadText(string hash)
    {
        using SqliteCommand cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT group_concat(text, ' / ') FROM (SELECT text FROM ocr_lines WHERE hash = $h ORDER BY line)";
        cmd.Parameters.AddWithValue("$h", hash);
        return cmd.ExecuteScalar() as string is { Length: > 0 } t ? t : null;
    }

    private string? ReadDescription(string hash)
    {
        using SqliteCommand cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT text FROM descriptions WHERE hash = $h";
        cmd.Parameters.AddWithValue("$h", hash);
        return cmd.ExecuteScalar() as string;
    }

    /// <summary>Why a vector cannot be served ("" when it can): wrong length, not finite, or not unit length.</summary>
    internal static string VectorProblem(ReadOnlySpan<float> vector, int dimensions)
    {
        if (vector.Length != dimensions)
        {
            return $"a vector of {vector.Length} values does not fit an index of {dimensions}";
        }

        foreach (float v in vector)
        {
            if (!float.IsFinite(v))
            {
                return "the vector holds a value that is not a finite number";
            }
        }

        float norm = TensorPrimitives.Norm(vector);
        return Math.Abs(norm - 1) > 1e-2 ? string.Create(CultureInfo.InvariantCulture, $"the vector's length is {norm:0.###}, not 1") : "";
    }

    private static object? ScalarOf(SqliteConnection connection, string sql)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction tx, string sql)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Removes images whose stored vector cannot be served (wrong length, not finite, not unit length) with their file
    /// entries, so that the next index run embeds those files again.
    /// </summary>
    /// <returns>The files whose content will be embedded again.</returns>
    public IReadOnlyList<string> DropInvalidVectors()
    {
        lock (_lock)
        {
            if (_vectorsChecked)
            {
                return []; // checked once per process; new rows are checked before they are written
            }

            List<long> bad = [.. InvalidRows().Select(x => x.Id)];
            _vectorsChecked = true;
            if (bad.Count == 0)
            {
                return [];
            }

            var files = new List<string>();
            using SqliteTransaction tx = _connection.BeginTransaction();
            foreach (long id in bad)
            {
                using SqliteCommand q = _connection.CreateCommand();
                q.Transaction = tx;
                q.CommandText = "SELECT path FROM files WHERE hash = (SELECT hash FROM images WHERE id = $id)";
                q.Parameters.AddWithValue("$id", id);
                using SqliteDataReader r = q.ExecuteReader();
                while (r.Read())
                {
                    files.Add(r.GetString(0));
                }
            }

            DeleteImages(tx, bad);
            RemoveVectors(tx, bad);
            return files;
        }
    }

    /// <summary>Live rows whose stored vector cannot be served (not finite, not unit length), with the reason.</summary>
    private List<(long Id, string Problem)> InvalidRows()
    {
        var bad = new List<(long, string)>();
        Snapshot s = GetSnapshot();
        if (!s.Enter())
        {
            return s.Ids.Length == 0 ? bad : InvalidRows();
        }

        try
        {
            float[] v = new float[s.Dimensions];
            for (int row = 0; row < s.Ids.Length; row++)
            {
                s.View!.Read(s.FileRows, row, v);
                string problem = VectorProblem(v, s.Dimensions);
                if (problem.Length > 0)
                {
                    bad.Add((s.Ids[row], problem));
                }
            }
        }
        finally
        {
            s.Exit();
        }

        return bad;
    }

    /// <summary>Checks the catalogue: SQLite's integrity check, every stored vector, and every file against the disk.</summary>
    /// <returns>The report; nothing is changed.</returns>
    public IndexVerifyReport Verify()
    {
        lock (_lock)
        {
            var integrity = new List<string>();
            using (SqliteCommand cmd = _connection.CreateCommand())
            {
                cmd.CommandText = "PRAGMA integrity_check";
                using SqliteDataReader r = cmd.ExecuteReader();
                while (r.Read())
                {
                    string line = r.GetString(0);
                    if (line != "ok")
                    {
                        integrity.Add(line);
                    }
                }
            }

            int images = Convert.ToInt32(Scalar("SELECT COUNT(*) FROM images"), CultureInfo.InvariantCulture);
            var invalid = new List<string>();
            foreach ((long id, string problem) in InvalidRows())
            {
                using SqliteCommand cmd = _connection.CreateCommand();
                cmd.CommandText = "SELECT COALESCE((SELECT MIN(path) FROM files f WHERE f.hash = i.hash), i.hash) FROM images i WHERE i.id = $id";
                cmd.Parameters.AddWithValue("$id", id);
                invalid.Add($"{cmd.ExecuteScalar() as string ?? id.ToString(CultureInfo.InvariantCulture)}: {problem}");
            }

            int served = GetSnapshot().Ids.Length;
            if (served != images)
            {
                invalid.Add(string.Create(CultureInfo.InvariantCulture, $"{images - served} catalogued images have no vector in the vector files"));
            }

            var missing = new List<string>();
            int files = 0;
            using (SqliteCommand cmd = _connection.CreateCommand())
            {
                cmd.CommandText = "SELECT path FROM files";
                using SqliteDataReader r = cmd.ExecuteReader();
                while (r.Read())
                {
                    files++;
                    string path = r.GetString(0);
                    if (!File.Exists(path))
                    {
                        missing.Add(path);
                    }
                }
            }

            return new IndexVerifyReport(images, files, integrity, invalid, missing);
        }
    }
}
