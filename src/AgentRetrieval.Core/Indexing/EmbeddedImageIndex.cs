using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Imaging;
using Microsoft.Data.Sqlite;

namespace AgentRetrieval.Indexing;

/// <summary>
/// The default index: one folder with a SQLite catalogue (<c>catalog.db</c>: paths, content hashes, sizes, times,
/// dimensions, EXIF dates, the model's identity) holding the vectors too, so a batch of files and their vectors commit
/// together. Vectors are loaded into one contiguous array for exact search with <see cref="TensorPrimitives"/>.
/// </summary>
/// <remarks>Thread-safe: reads and writes are serialised by a lock; searches run on a snapshot of the vectors.</remarks>
public sealed partial class EmbeddedImageIndex : IImageIndex, ICaptionStore
{
    /// <summary>The catalogue file's name inside the index folder.</summary>
    public const string CatalogFileName = "catalog.db";

    private const int SchemaVersion = 2;
    private const int CodesMagic = 0x43425241; // "ARBC"

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();
    private Snapshot _snapshot = Snapshot.Empty;
    private readonly Dictionary<int, (Snapshot For, Binary.BinaryShortlistSearcher Searcher)> _codes = [];

    private EmbeddedImageIndex(string directory, SqliteConnection connection, ModelIdentity? model)
    {
        Directory = directory;
        _connection = connection;
        Model = model;
        Reload();
    }

    /// <summary>The index folder.</summary>
    public string Directory { get; }

    /// <inheritdoc/>
    public ModelIdentity? Model { get; private set; }

    /// <inheritdoc/>
    public int Count => GetSnapshot().Ids.Length;

    /// <summary>The number of indexed files (identical copies count separately).</summary>
    public int FileCount
    {
        get
        {
            lock (_lock)
            {
                return Convert.ToInt32(Scalar("SELECT COUNT(*) FROM files"), CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>Opens an existing index, or creates one, in <paramref name="directory"/>.</summary>
    /// <param name="directory">The index folder; created when missing.</param>
    /// <returns>The index; the caller disposes it.</returns>
    /// <exception cref="InvalidDataException">The folder holds a catalogue of another schema or a corrupt database.</exception>
    public static EmbeddedImageIndex Open(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        System.IO.Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, CatalogFileName);
        if (File.Exists(path) && new FileInfo(path).Length == 0)
        {
            // An empty catalogue is not a new one: something truncated it. Starting over silently would lose the index.
            throw new InvalidDataException($"The index catalogue '{path}' is empty (0 bytes): it was truncated. Run 'agentretrieval index <folder> --rebuild' to build it again.");
        }
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Execute(connection, """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = NORMAL;
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS images (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    hash TEXT NOT NULL UNIQUE,
                    width INTEGER NOT NULL, height INTEGER NOT NULL, format TEXT NOT NULL, taken_at TEXT,
                    vector BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS files (
                    path TEXT PRIMARY KEY,
                    hash TEXT NOT NULL REFERENCES images(hash),
                    size INTEGER NOT NULL, mtime INTEGER NOT NULL);
                CREATE INDEX IF NOT EXISTS files_hash ON files(hash);
                CREATE TABLE IF NOT EXISTS captions (hash TEXT PRIMARY KEY, caption TEXT NOT NULL);
                """);
            string? version = ReadMeta(connection, "schema_version");
            if (version is null || version == "1")
            {
                // Version 1 (or new): add the metadata, text and full-text parts in place; a re-run of index fills them.
                Migrate(connection);
                WriteMeta(connection, "schema_version", SchemaVersion.ToString(CultureInfo.InvariantCulture));
            }
            else if (version != SchemaVersion.ToString(CultureInfo.InvariantCulture))
            {
                throw new InvalidDataException($"The index in '{directory}' has schema version {version}; this version reads {SchemaVersion}. Rebuild it with --rebuild.");
            }
            else
            {
                Migrate(connection);
            }

            return new EmbeddedImageIndex(directory, connection, ReadModel(connection));
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new InvalidDataException($"'{path}' is not a readable index catalogue: {ex.Message}", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Deletes the index's files (catalogue, its journal, binary codes) so that it can be built again, whatever their state.</summary>
    /// <param name="directory">The index folder.</param>
    /// <returns>How many files were deleted.</returns>
    public static int DeleteFiles(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            return 0;
        }

        int deleted = 0;
        foreach (string f in System.IO.Directory.EnumerateFiles(directory).Where(f =>
        {
            string name = Path.GetFileName(f);
            return name.StartsWith(CatalogFileName, StringComparison.Ordinal) || (name.StartsWith("codes-", StringComparison.Ordinal) && name.EndsWith(".bin", StringComparison.Ordinal));
        }).ToList())
        {
            File.Delete(f);
            deleted++;
        }

        return deleted;
    }

    /// <summary>Whether <paramref name="directory"/> holds an index.</summary>
    /// <param name="directory">The folder.</param>
    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, CatalogFileName));

    /// <summary>Records the model that builds this index; refuses a different one once vectors exist.</summary>
    /// <param name="model">The model.</param>
    /// <exception cref="ModelIdentityMismatchException">The index holds vectors from another model.</exception>
    public void BindModel(ModelIdentity model)
    {
        ArgumentNullException.ThrowIfNull(model);
        lock (_lock)
        {
            if (Model is not null && !Model.IsCompatibleWith(model))
            {
                if (Count > 0)
                {
                    throw new ModelIdentityMismatchException(Model, model);
                }
            }

            WriteMeta(_connection, "model_name", model.Name);
            WriteMeta(_connection, "model_fingerprint", model.Fingerprint);
            WriteMeta(_connection, "model_dimensions", model.Dimensions.ToString(CultureInfo.InvariantCulture));
            WriteMeta(_connection, "model_files", string.Join('\n', model.FileHashes.Select(kv => $"{kv.Key}={kv.Value}")));
            Model = model;
        }
    }

    /// <summary>Deletes every vector and file entry (the model binding goes too).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            Execute(_connection, "DELETE FROM files; DELETE FROM images; DELETE FROM meta WHERE key LIKE 'model_%';");
            Model = null;
            _snapshot = Snapshot.Empty;
        }
    }

    /// <summary>The stored (path → hash, size, mtime) of every file under <paramref name="root"/>.</summary>
    /// <param name="root">An absolute folder path.</param>
    /// <returns>The entries by path.</returns>
    public Dictionary<string, (string Hash, long Size, long ModifiedTicks)> GetFiles(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        string prefix = Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar;
        var result = new Dictionary<string, (string, long, long)>(StringComparer.Ordinal);
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT path, hash, size, mtime FROM files WHERE substr(path, 1, length($p)) = $p";
            cmd.Parameters.AddWithValue("$p", prefix);
            using SqliteDataReader r = cmd.ExecuteReader();
            while (r.Read())
            {
                result[r.GetString(0)] = (r.GetString(1), r.GetInt64(2), r.GetInt64(3));
            }
        }

        return result;
    }

    /// <summary>Whether content with this hash already has a vector.</summary>
    /// <param name="hash">The content hash.</param>
    public bool ContainsHash(string hash)
    {
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT 1 FROM images WHERE hash = $h";
            cmd.Parameters.AddWithValue("$h", hash);
            return cmd.ExecuteScalar() is not null;
        }
    }

    /// <summary>Commits a batch of files (and the vectors of new content) in one transaction.</summary>
    /// <param name="files">The batch.</param>
    /// <exception cref="InvalidOperationException">No model is bound yet.</exception>
    public void Commit(IReadOnlyCollection<IndexedFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        lock (_lock)
        {
            ModelIdentity model = Model ?? throw new InvalidOperationException("Bind a model before adding vectors.");
            using SqliteTransaction tx = _connection.BeginTransaction();
            foreach (IndexedFile f in files)
            {
                if (f.Vector is not null)
                {
                    if (f.Vector.Length != model.Dimensions)
                    {
                        throw new ArgumentException($"A vector of {f.Vector.Length} values does not fit an index of {model.Dimensions}.", nameof(files));
                    }

                    using SqliteCommand insert = _connection.CreateCommand();
                    insert.Transaction = tx;
                    insert.CommandText = """
                        INSERT INTO images (hash, width, height, format, taken_at, vector) VALUES ($h, $w, $hh, $f, $t, $v)
                        ON CONFLICT(hash) DO UPDATE SET vector = excluded.vector
                        """;
                    string vectorError = VectorProblem(f.Vector.AsSpan(), model.Dimensions);
                    if (vectorError.Length > 0)
                    {
                        throw new ArgumentException(vectorError, nameof(files));
                    }

                    insert.Parameters.AddWithValue("$h", f.Hash);
                    insert.Parameters.AddWithValue("$w", f.Info?.Width ?? 0);
                    insert.Parameters.AddWithValue("$hh", f.Info?.Height ?? 0);
                    insert.Parameters.AddWithValue("$f", f.Info?.Format ?? "");
                    insert.Parameters.AddWithValue("$t", (object?)f.Info?.TakenAt?.ToString("O", CultureInfo.InvariantCulture) ?? DBNull.Value);
                    insert.Parameters.AddWithValue("$v", MemoryMarshal.AsBytes(f.Vector.AsSpan()).ToArray());
                    insert.ExecuteNonQuery();
                }

                if (f.Metadata is not null)
                {
                    WriteMetadata(tx, f.Hash, f.Metadata, f.Place);
                }

                using SqliteCommand upsert = _connection.CreateCommand();
                upsert.Transaction = tx;
                upsert.CommandText = "INSERT OR REPLACE INTO files (path, hash, size, mtime) VALUES ($p, $h, $s, $m)";
                upsert.Parameters.AddWithValue("$p", f.Path);
                upsert.Parameters.AddWithValue("$h", f.Hash);
                upsert.Parameters.AddWithValue("$s", f.Size);
                upsert.Parameters.AddWithValue("$m", f.ModifiedTicks);
                upsert.ExecuteNonQuery();
            }

            RefreshNames(tx, files.Select(f => f.Hash));
            tx.Commit();
            _snapshot = Snapshot.Empty; // reloaded lazily
        }
    }

    /// <summary>Removes file entries, then every vector no file refers to any more.</summary>
    /// <param name="paths">The files that are gone.</param>
    /// <returns>How many image contents were removed.</returns>
    public int RemoveFiles(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        lock (_lock)
        {
            using SqliteTransaction tx = _connection.BeginTransaction();
            var touched = new List<string>();
            foreach (string p in paths)
            {
                using (SqliteCommand h = _connection.CreateCommand())
                {
                    h.Transaction = tx;
                    h.CommandText = "SELECT hash FROM files WHERE path = $p";
                    h.Parameters.AddWithValue("$p", p);
                    if (h.ExecuteScalar() is string hash)
                    {
                        touched.Add(hash);
                    }
                }

                using SqliteCommand del = _connection.CreateCommand();
                del.Transaction = tx;
                del.CommandText = "DELETE FROM files WHERE path = $p";
                del.Parameters.AddWithValue("$p", p);
                del.ExecuteNonQuery();
            }

            using (SqliteCommand fts = _connection.CreateCommand())
            {
                fts.Transaction = tx;
                fts.CommandText = """
                    DELETE FROM names_fts WHERE rowid IN (SELECT id FROM images WHERE hash NOT IN (SELECT hash FROM files));
                    DELETE FROM ocr_fts WHERE rowid IN (SELECT id FROM images WHERE hash NOT IN (SELECT hash FROM files));
                    DELETE FROM ocr_lines WHERE hash NOT IN (SELECT hash FROM files);
                    """;
                fts.ExecuteNonQuery();
            }

            using SqliteCommand orphans = _connection.CreateCommand();
            orphans.Transaction = tx;
            orphans.CommandText = "DELETE FROM images WHERE hash NOT IN (SELECT hash FROM files)";
            int removed = orphans.ExecuteNonQuery();
            RefreshNames(tx, touched);
            tx.Commit();
            _snapshot = Snapshot.Empty;
            return removed;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<ImageHit> Search(ReadOnlySpan<float> query, ModelIdentity queryModel, int top) => Search(query, queryModel, top, null);

    /// <summary>
    /// Exact top-<paramref name="top"/> among the images a filter allows (a pre-filter: a filter never returns fewer
    /// matches than exist).
    /// </summary>
    /// <param name="query">The unit query vector.</param>
    /// <param name="queryModel">The query's model.</param>
    /// <param name="top">How many hits at most.</param>
    /// <param name="allowed">The catalogue ids to search among, or null for all.</param>
    /// <returns>Hits, best first.</returns>
    public IReadOnlyList<ImageHit> Search(ReadOnlySpan<float> query, ModelIdentity queryModel, int top, IReadOnlySet<long>? allowed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        if (SnapshotFor(query, queryModel) is not { } s)
        {
            return [];
        }

        if (allowed is not null)
        {
            return SearchAllowed(s, query, top, allowed);
        }

        (int Row, float Score)[] best = TopK.ExactParallel(s.Vectors, s.Dimensions, query.ToArray(), top);
        var hits = new ImageHit[best.Length];
        for (int i = 0; i < best.Length; i++)
        {
            hits[i] = new ImageHit(s.Ids[best[i].Row], s.Paths[best[i].Row], best[i].Score);
        }

        return hits;
    }

    /// <summary>
    /// Learns <paramref name="bits"/>-bit ITQ codes from the index's own vectors and stores them beside them
    /// (<c>codes-&lt;bits&gt;.bin</c>), for <see cref="SearchBinary"/>.
    /// </summary>
    /// <param name="bits">Code length (at most the vector size).</param>
    /// <returns>The file written.</returns>
    /// <exception cref="InvalidOperationException">The index is empty or has fewer dimensions than bits.</exception>
    public string BuildBinaryCodes(int bits)
    {
        Snapshot s = GetSnapshot();
        if (s.Ids.Length < 2)
        {
            throw new InvalidOperationException("Binary codes need at least two indexed images.");
        }

        if (bits > s.Dimensions)
        {
            throw new InvalidOperationException($"{bits}-bit codes need at least {bits} dimensions; this model's vectors have {s.Dimensions}.");
        }

        Binary.ItqHasher hasher = Binary.ItqHasher.Fit(s.Vectors, s.Dimensions, bits);
        ulong[] codes = hasher.EncodeAll(s.Vectors);
        string path = CodesPath(bits);
        string temp = path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temp)))
        {
            writer.Write(CodesMagic);
            writer.Write(Model!.Fingerprint);
            writer.Write(s.Ids.Length);
            writer.Write(IdChecksum(s.Ids));
            hasher.Write(writer);
            foreach (ulong c in codes)
            {
                writer.Write(c);
            }
        }

        File.Move(temp, path, overwrite: true);
        lock (_lock)
        {
            _codes.Remove(bits);
        }

        return path;
    }

    /// <summary>
    /// Search with the stored binary codes: a Hamming scan with hardware popcount picks <paramref name="shortlist"/>
    /// candidates, which are re-scored exactly with the float vectors.
    /// </summary>
    /// <param name="query">A unit query vector.</param>
    /// <param name="queryModel">The query's model.</param>
    /// <param name="top">How many hits.</param>
    /// <param name="bits">Which stored codes.</param>
    /// <param name="shortlist">How many candidates to re-score.</param>
    /// <returns>Hits, best first.</returns>
    /// <exception cref="InvalidOperationException">No codes of that length, or they are older than the vectors.</exception>
    public IReadOnlyList<ImageHit> SearchBinary(ReadOnlySpan<float> query, ModelIdentity queryModel, int top, int bits, int shortlist = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        if (SnapshotFor(query, queryModel) is not { } s)
        {
            return [];
        }

        Binary.BinaryShortlistSearcher searcher = GetSearcher(s, bits);
        (int Row, float Score)[] best = searcher.Search(query, top, shortlist);
        return [.. best.Select(b => new ImageHit(s.Ids[b.Row], s.Paths[b.Row], b.Score))];
    }

    /// <summary>The vectors to search, or null when the index is empty; refuses another model's query or a wrong size.</summary>
    private Snapshot? SnapshotFor(ReadOnlySpan<float> query, ModelIdentity queryModel)
    {
        ArgumentNullException.ThrowIfNull(queryModel);
        Snapshot s = GetSnapshot();
        if (Model is null || s.Ids.Length == 0)
        {
            return null;
        }

        if (!Model.IsCompatibleWith(queryModel))
        {
            throw new ModelIdentityMismatchException(Model, queryModel);
        }

        if (query.Length != s.Dimensions)
        {
            throw new ArgumentException($"The query has {query.Length} values; the index has {s.Dimensions}.", nameof(query));
        }

        return s;
    }

    private Binary.BinaryShortlistSearcher GetSearcher(Snapshot s, int bits)
    {
        lock (_lock)
        {
            if (_codes.TryGetValue(bits, out (Snapshot For, Binary.BinaryShortlistSearcher Searcher) cached) && ReferenceEquals(cached.For, s))
            {
                return cached.Searcher;
            }
        }

        string path = CodesPath(bits);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"There are no {bits}-bit codes in '{Directory}'. Build them with 'agentretrieval index <folder> --codes {bits}'.");
        }

        using var reader = new BinaryReader(File.OpenRead(path));
        if (reader.ReadInt32() != CodesMagic || reader.ReadString() != Model!.Fingerprint || reader.ReadInt32() != s.Ids.Length || reader.ReadInt64() != IdChecksum(s.Ids))
        {
            throw new InvalidOperationException($"The {bits}-bit codes in '{Directory}' are older than the index's vectors. Rebuild them with 'agentretrieval index <folder> --codes {bits}'.");
        }

        Binary.ItqHasher hasher = Binary.ItqHasher.Read(reader);
        ulong[] codes = new ulong[s.Ids.Length * hasher.Words];
        for (int i = 0; i < codes.Length; i++)
        {
            codes[i] = reader.ReadUInt64();
        }

        var searcher = new Binary.BinaryShortlistSearcher(hasher, codes, s.Vectors);
        lock (_lock)
        {
            _codes[bits] = (s, searcher);
        }

        return searcher;
    }

    private string CodesPath(int bits) => Path.Combine(Directory, $"codes-{bits.ToString(CultureInfo.InvariantCulture)}.bin");

    private static long IdChecksum(long[] ids)
    {
        long h = 17;
        foreach (long id in ids)
        {
            h = unchecked((h * 31) + id);
        }

        return h;
    }

    /// <inheritdoc/>
    public CatalogEntry? GetEntry(long id)
    {
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = $"SELECT hash, width, height, format, taken_at, {MetadataColumns} FROM images WHERE id = $id";
            cmd.Parameters.AddWithValue("$id", id);
            using SqliteDataReader r = cmd.ExecuteReader();
            if (!r.Read())
            {
                return null;
            }

            string hash = r.GetString(0);
            DateTimeOffset? taken = r.IsDBNull(4) ? null : DateTimeOffset.Parse(r.GetString(4), CultureInfo.InvariantCulture);
            (Metadata.PhotoMetadata? metadata, Metadata.Place? place) = ReadMetadata(r, 5);
            var entry = new CatalogEntry(id, hash, [], r.GetInt32(1), r.GetInt32(2), r.GetString(3), taken, metadata, place);
            r.Close();
            entry = entry with { Text = ReadText(hash), Description = ReadDescription(hash) };
            using SqliteCommand paths = _connection.CreateCommand();
            paths.CommandText = "SELECT path FROM files WHERE hash = $h ORDER BY path";
            paths.Parameters.AddWithValue("$h", hash);
            using SqliteDataReader pr = paths.ExecuteReader();
            var list = new List<string>();
            while (pr.Read())
            {
                list.Add(pr.GetString(0));
            }

            return entry with { Paths = list };
        }
    }

    /// <inheritdoc/>
    public float[]? GetVector(long id)
    {
        Snapshot s = GetSnapshot();
        int row = Array.BinarySearch(s.Ids, id);
        return row < 0 ? null : s.Vectors.AsSpan(row * s.Dimensions, s.Dimensions).ToArray();
    }

    /// <summary>Every catalogue id with its first path.</summary>
    /// <returns>(id, path) pairs in id order.</returns>
    public IReadOnlyList<(long Id, string Path)> ListImages()
    {
        Snapshot s = GetSnapshot();
        return [.. s.Ids.Select((id, i) => (id, s.Paths[i]))];
    }

    /// <summary>The catalogue id of the content of an indexed file, or null.</summary>
    /// <param name="path">The file's absolute path.</param>
    public long? GetIdByPath(string path)
    {
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT i.id FROM files f JOIN images i ON i.hash = f.hash WHERE f.path = $p";
            cmd.Parameters.AddWithValue("$p", path);
            return cmd.ExecuteScalar() is long id ? id : null;
        }
    }

    /// <inheritdoc/>
    public string? GetCaption(long id)
    {
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT c.caption FROM captions c JOIN images i ON i.hash = c.hash WHERE i.id = $id";
            cmd.Parameters.AddWithValue("$id", id);
            return cmd.ExecuteScalar() as string;
        }
    }

    /// <inheritdoc/>
    public void SetCaption(long id, string caption)
    {
        ArgumentNullException.ThrowIfNull(caption);
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = "INSERT OR REPLACE INTO captions (hash, caption) SELECT hash, $c FROM images WHERE id = $id";
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$c", caption);
            cmd.ExecuteNonQuery();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _connection.Dispose();
    }

    /// <summary>Serialises indexing runs on this index (see <see cref="FolderIndexer"/>).</summary>
    internal SemaphoreSlim IndexingGate { get; } = new(1, 1);

    private Snapshot GetSnapshot()
    {
        Snapshot s = _snapshot;
        if (ReferenceEquals(s, Snapshot.Empty))
        {
            lock (_lock)
            {
                if (ReferenceEquals(_snapshot, Snapshot.Empty))
                {
                    Reload();
                }

                s = _snapshot;
            }
        }

        return s;
    }

    private void Reload()
    {
        int dims = Model?.Dimensions ?? 0;
        if (dims == 0)
        {
            _snapshot = Snapshot.Empty;
            return;
        }

        using SqliteCommand cmd = _connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT i.id, i.vector, (SELECT MIN(f.path) FROM files f WHERE f.hash = i.hash), {MetadataColumns},
                (SELECT CASE WHEN COUNT(*) > 1 THEN group_concat(f.path, char(10)) END FROM files f WHERE f.hash = i.hash)
            FROM images i ORDER BY i.id
            """;
        var copies = new Dictionary<int, string[]>();
        var ids = new List<long>();
        var paths = new List<string>();
        var vectors = new List<float>();
        var facts = new FactsBuilder();
        using (SqliteDataReader r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                if (r.IsDBNull(2))
                {
                    continue;
                }

                byte[] blob = (byte[])r.GetValue(1);
                if (blob.Length != dims * sizeof(float))
                {
                    continue;
                }

                if (VectorProblem(MemoryMarshal.Cast<byte, float>(blob), dims).Length > 0)
                {
                    // Never serve a damaged vector; index --verify reports it and the next index run re-embeds it.
                    continue;
                }

                ids.Add(r.GetInt64(0));
                paths.Add(r.GetString(2));
                vectors.AddRange(MemoryMarshal.Cast<byte, float>(blob));
                facts.Add(ReadMetadata(r, 3));
                if (!r.IsDBNull(13))
                {
                    // Identical copies in several folders: a folder scope must see every one of them.
                    copies[ids.Count - 1] = r.GetString(13).Split('\n');
                }
            }
        }

        _snapshot = ids.Count == 0 ? new Snapshot([], [], [], dims) : new Snapshot([.. ids], [.. paths], [.. vectors], dims) { Facts = facts.Build(), Copies = copies };
    }

    private object? Scalar(string sql)
    {
        using SqliteCommand cmd = _connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static string? ReadMeta(SqliteConnection connection, string key)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT value FROM meta WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        return cmd.ExecuteScalar() as string;
    }

    private static void WriteMeta(SqliteConnection connection, string key, string value)
    {
        using SqliteCommand cmd = connection.CreateCommand();
        cmd.CommandText = "INSERT OR REPLACE INTO meta (key, value) VALUES ($k, $v)";
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$v", value);
        cmd.ExecuteNonQuery();
    }

    private static ModelIdentity? ReadModel(SqliteConnection connection)
    {
        string? name = ReadMeta(connection, "model_name");
        string? fingerprint = ReadMeta(connection, "model_fingerprint");
        string? dims = ReadMeta(connection, "model_dimensions");
        if (name is null || fingerprint is null || dims is null)
        {
            return null;
        }

        var files = (ReadMeta(connection, "model_files") ?? "")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return new ModelIdentity(name, int.Parse(dims, CultureInfo.InvariantCulture), fingerprint, files);
    }

    private sealed record Snapshot(long[] Ids, string[] Paths, float[] Vectors, int Dimensions)
    {
        public static readonly Snapshot Empty = new([], [], [], 0);

        public PhotoFacts Facts { get; init; } = PhotoFacts.Empty;

        /// <summary>Every path of the rows whose content has more than one file.</summary>
        public Dictionary<int, string[]> Copies { get; init; } = [];
    }
}
