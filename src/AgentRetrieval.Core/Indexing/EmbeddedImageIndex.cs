using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Imaging;
using AgentRetrieval.Indexing.Vectors;
using Microsoft.Data.Sqlite;

namespace AgentRetrieval.Indexing;

/// <summary>
/// The default index: one folder with a SQLite catalogue (<c>catalog.db</c>: paths, content hashes, sizes, times,
/// dimensions, EXIF dates, the model's identity) and the vectors in memory-mapped files beside it
/// (<see cref="Vectors.VectorFiles"/>: float16 rows and binary codes), written so that a batch of files and their
/// vectors commit together. A process opens a million-photo index without reading its vectors; small indexes are
/// searched exactly, large ones by a Hamming scan of the codes and an exact re-score of a shortlist.
/// </summary>
/// <remarks>Thread-safe: reads and writes are serialised by a lock; searches run on a snapshot of the vectors.</remarks>
public sealed partial class EmbeddedImageIndex : IImageIndex, ICaptionStore
{
    /// <summary>The catalogue file's name inside the index folder.</summary>
    public const string CatalogFileName = "catalog.db";

    private const int SchemaVersion = 3;
    private const int CodesMagic = 0x43425241; // "ARBC"

    private readonly SqliteConnection _connection;
    private readonly Lock _lock = new();
    private Snapshot _snapshot = Snapshot.Empty;

    // A long-running host's warm-up, repeated for each new snapshot once the index has been still for a while.
    private readonly Lock _rewarmLock = new();
    private Timer? _rewarm;
    private bool _keepWarm;
    private bool _disposed;
    private readonly Dictionary<int, (Snapshot For, Binary.BinaryShortlistSearcher Searcher)> _codes = [];

    private EmbeddedImageIndex(string directory, SqliteConnection connection, ModelIdentity? model)
    {
        Directory = directory;
        _connection = connection;
        Model = model;
        OpenVectors();
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

    /// <summary>
    /// Creates a new catalogue atomically: a database is written under a temporary name and renamed into place, so that a
    /// process killed while creating it leaves no empty catalogue behind (which would rightly be taken for a truncated one).
    /// </summary>
    private static void CreateCatalogFile(string path)
    {
        string creating = $"{path}.creating-{Environment.ProcessId}";
        File.Delete(creating);
        using (var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = creating, Pooling = false }.ToString()))
        {
            c.Open();
            using SqliteCommand cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE creating (x INTEGER); DROP TABLE creating;";
            cmd.ExecuteNonQuery();
        }

        try
        {
            File.Move(creating, path);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
            File.Delete(creating);
        }

        // What killed creations left behind (a temporary file each, never a catalogue).
        foreach (string stale in System.IO.Directory.EnumerateFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + ".creating-*"))
        {
            if (File.GetLastWriteTimeUtc(stale) < TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(-10))
            {
                File.Delete(stale);
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
        if (!File.Exists(path))
        {
            CreateCatalogFile(path);
        }

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
            if (version is null)
            {
                Migrate(connection);
                WriteMeta(connection, "schema_version", SchemaVersion.ToString(CultureInfo.InvariantCulture));
                WriteMeta(connection, "vectors_generation", "1");
            }
            else if (version is "1" or "2")
            {
                // Version 1 added metadata, text and full-text parts in place (a re-run of index fills them); versions
                // 1 and 2 keep vectors in the catalogue, moved to the vector files when the index opens.
                Migrate(connection);
                if (ReadModel(connection) is null)
                {
                    WriteMeta(connection, "vectors_generation", "1");
                    WriteMeta(connection, "schema_version", SchemaVersion.ToString(CultureInfo.InvariantCulture));
                }
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
            return name.StartsWith(CatalogFileName, StringComparison.Ordinal) || Vectors.VectorFiles.IsVectorFile(name)
                || (name.StartsWith("codes-", StringComparison.Ordinal) && name.EndsWith(".bin", StringComparison.Ordinal));
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
            if (_files is null || _files.Dimensions != model.Dimensions)
            {
                // No live vectors (checked above): start the files afresh for this model's size.
                ResetVectorFiles();
            }
        }
    }

    /// <summary>Deletes every vector and file entry (the model binding goes too).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            Execute(_connection, "DELETE FROM files; DELETE FROM images; DELETE FROM names_fts; DELETE FROM ocr_fts; DELETE FROM ocr_lines; DELETE FROM meta WHERE key LIKE 'model_%';");
            Model = null;
            if (_files is not null)
            {
                ResetVectorFiles();
            }

            SetSnapshot(Snapshot.Empty);
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
            foreach (IndexedFile f in files.Where(f => f.Vector is not null))
            {
                // Checked before anything is written: a bad vector leaves the catalogue and the vector files as they were.
                string vectorError = VectorProblem(f.Vector.AsSpan(), model.Dimensions);
                if (vectorError.Length > 0)
                {
                    throw new ArgumentException($"{f.Path}: {vectorError}.", nameof(files));
                }
            }

            using SqliteTransaction tx = _connection.BeginTransaction();
            var added = new List<(long Id, float[] Vector, bool Replaces)>();
            var addedHashes = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (IndexedFile f in files)
            {
                if (f.Vector is not null)
                {
                    using SqliteCommand insert = _connection.CreateCommand();
                    insert.Transaction = tx;
                    insert.CommandText = """
                        INSERT INTO images (hash, width, height, format, taken_at, vector) VALUES ($h, $w, $hh, $f, $t, x'')
                        ON CONFLICT(hash) DO UPDATE SET vector = x''
                        RETURNING id
                        """;
                    insert.Parameters.AddWithValue("$h", f.Hash);
                    insert.Parameters.AddWithValue("$w", f.Info?.Width ?? 0);
                    insert.Parameters.AddWithValue("$hh", f.Info?.Height ?? 0);
                    insert.Parameters.AddWithValue("$f", f.Info?.Format ?? "");
                    insert.Parameters.AddWithValue("$t", (object?)f.Info?.TakenAt?.ToString("O", CultureInfo.InvariantCulture) ?? DBNull.Value);
                    bool existed = ContainsHash(tx, f.Hash);
                    long id = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);
                    if (addedHashes.TryGetValue(f.Hash, out int at))
                    {
                        added[at] = (id, f.Vector, added[at].Replaces); // the same content twice in one batch: one row
                    }
                    else
                    {
                        addedHashes[f.Hash] = added.Count;
                        added.Add((id, f.Vector, existed));
                    }
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
            (List<long> replaced, long rows, long live, long codeRows) = AppendVectors(tx, added);
            tx.Commit();
            AfterVectorCommit(rows, live, codeRows, replaced);
            SetSnapshot(Snapshot.Empty); // reloaded lazily
        }
    }

    private bool ContainsHash(SqliteTransaction tx, string hash)
    {
        using SqliteCommand cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT 1 FROM images WHERE hash = $h";
        cmd.Parameters.AddWithValue("$h", hash);
        return cmd.ExecuteScalar() is not null;
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

            var gone = new List<long>();
            using (SqliteCommand orphans = _connection.CreateCommand())
            {
                orphans.Transaction = tx;
                orphans.CommandText = "DELETE FROM images WHERE hash NOT IN (SELECT hash FROM files) RETURNING id";
                using SqliteDataReader r = orphans.ExecuteReader();
                while (r.Read())
                {
                    gone.Add(r.GetInt64(0));
                }
            }

            RefreshNames(tx, touched);
            RemoveVectors(tx, gone);
            return gone.Count;
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

        bool[]? mask = allowed is null ? null : MaskOf(s, allowed);
        int candidates = mask is null ? s.Ids.Length : CountOf(mask);
        if (candidates == 0)
        {
            return [];
        }

        // A few more than asked, so that a damaged row dropped at the end never leaves the list short.
        int want = Math.Min(top + 8, candidates);
        if (!s.Enter())
        {
            return Search(query, queryModel, top, allowed); // the snapshot was replaced meanwhile
        }

        try
        {
            (int Row, float Score)[] best;
            // A selective filter (a quarter of the rows or fewer) is scored exactly: its nearest rows lie far apart
            // in Hamming space, where the shortlist lost a tenth of them (recall@128 0.87 for a 10% filter at 1M).
            bool selective = mask is not null && candidates * 4L <= s.Ids.Length;
            if (candidates >= ShortlistThreshold && !selective && s.View!.CodeRows == s.View.Rows && s.Centre is not null)
            {
                LastSearchMode = "shortlist";
                best = VectorSearch.Shortlisted(s.View, s.FileRows, query, s.Centre, want, Math.Max(DefaultShortlist, 16 * want), mask, out ShortlistStages stages);
                LastShortlistStages = stages;
            }
            else
            {
                LastSearchMode = "exact";
                best = VectorSearch.Exact(s.View!, s.FileRows, query, want, mask);
            }

            return HitsOf(s, [.. best.Where(b => IsServable(s, b.Row, b.Score)).Take(top)]);
        }
        finally
        {
            s.Exit();
        }
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

        float[] vectors = s.AllVectors();
        Binary.ItqHasher hasher = Binary.ItqHasher.Fit(vectors, s.Dimensions, bits);
        ulong[] codes = hasher.EncodeAll(vectors);
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
        return HitsOf(s, best);
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

        var searcher = new Binary.BinaryShortlistSearcher(hasher, codes, s.AllVectors());
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
        if (row < 0 || !s.Enter())
        {
            return row < 0 ? null : GetVector(id);
        }

        try
        {
            float[] v = new float[s.Dimensions];
            s.View!.Read(s.FileRows, row, v);
            return v;
        }
        finally
        {
            s.Exit();
        }
    }

    /// <summary>Every catalogue id with its first path.</summary>
    /// <returns>(id, path) pairs in id order.</returns>
    public IReadOnlyList<(long Id, string Path)> ListImages()
    {
        Snapshot s = GetSnapshot();
        string[] paths = s.Paths;
        return [.. s.Ids.Select((id, i) => (id, paths[i]))];
    }

    /// <summary>
    /// How many photos each folder holds (the folder of each photo's first path), most photos first, ties by name.
    /// The whole library's counts are made once per snapshot; counts within a set are counted from the snapshot's
    /// paths without copying them.
    /// </summary>
    /// <param name="among">The photos to count (a set from <see cref="Match"/> is read through its row mask), or null for all.</param>
    /// <param name="top">How many folders at most.</param>
    /// <returns>(folder, photos) pairs.</returns>
    /// <remarks>Thread-safe.</remarks>
    public IReadOnlyList<(string Folder, int Photos)> Folders(IReadOnlySet<long>? among, int top)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(top);
        Snapshot s = GetSnapshot();
        if (among is null)
        {
            return [.. s.FolderCounts.Take(top)];
        }

        bool[]? mask = among is RowSet rs && ReferenceEquals(rs.For, s) ? rs.Mask : null;
        return [.. CountFolders(s.Paths, row => mask is not null ? mask[row] : among.Contains(s.Ids[row])).Take(top)];
    }

    /// <summary>Photos per folder of the given rows' paths, most first, ties by name.</summary>
    private static (string Folder, int Photos)[] CountFolders(string[] paths, Func<int, bool>? include)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> bySpan = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        for (int row = 0; row < paths.Length; row++)
        {
            if (paths[row].Length == 0 || (include is not null && !include(row)))
            {
                continue;
            }

            // The folder as a slice of the path: no string is made for a folder already counted.
            ReadOnlySpan<char> folder = Path.GetDirectoryName(paths[row].AsSpan());
            bySpan[folder] = bySpan.TryGetValue(folder, out int n) ? n + 1 : 1;
        }

        return [.. counts.Select(kv => (kv.Key, kv.Value)).OrderByDescending(x => x.Value).ThenBy(x => x.Key, StringComparer.Ordinal)];
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
        lock (_rewarmLock)
        {
            _disposed = true;
            _rewarm?.Dispose();
        }

        lock (_lock) // after a warm-up's load, never before it: no snapshot is left open
        {
            SetSnapshot(Snapshot.Empty);
        }

        _connection.Dispose();
    }

    /// <summary>How long the index must stay unchanged after a commit before a warmed index warms its new snapshot.</summary>
    internal TimeSpan RewarmDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether the current snapshot's rows are served from <see cref="HalfColumns"/> (see <see cref="WarmUp"/>).</summary>
    internal bool IsWarm => _snapshot is { View: { } view } s && view.BuiltHalfColumns(s.FileRows) is not null;

    /// <summary>
    /// For a long-running host (the page, chat, MCP): maps every page of the current vector and code files into the
    /// process, builds the shortlist's code columns, and copies the float16 rows into huge pages in the snapshot's order
    /// when they fit the budget (a quarter of the memory the process may use), so that later searches take no page fault
    /// or page-table walk per random row (at a million photos the exact re-score of 1,088 random rows otherwise took
    /// 4–7 ms whenever other work had pushed the page tables out of the caches). Reads only what the operating system
    /// does not hold already. A one-shot <c>search</c> skips it: its single search would pay for all.
    /// </summary>
    /// <returns>Whether the files could be mapped ahead (Linux); searches work the same either way.</returns>
    /// <remarks>
    /// Thread-safe; meant to run in the background after opening. Once called, every later snapshot (photos added or
    /// removed) is warmed the same way in the background once the index has stayed unchanged for
    /// <see cref="RewarmDelay"/>; searches meanwhile read the files.
    /// </remarks>
    public bool WarmUp()
    {
        Volatile.Write(ref _keepWarm, true);
        Snapshot s = GetSnapshot();
        if (s.View is null || !s.Enter())
        {
            return false;
        }

        try
        {
            bool mapped = s.View.Populate();
            if (s.Ids.Length >= ShortlistThreshold && s.View.CodeRows == s.View.Rows)
            {
                _ = s.View.Columns(s.FileRows);
            }

            if (HalfColumns.BytesFor(s.FileRows.Length, s.View.Dimensions) <= GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4)
            {
                _ = s.View.HalfColumns(s.FileRows);
                s.View.ReleaseVectorPages(); // the copy serves the searches; the file's pages may leave this process
            }

            return mapped;
        }
        finally
        {
            s.Exit();
        }
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
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
                if (ReferenceEquals(_snapshot, Snapshot.Empty))
                {
                    SetSnapshot(Load());
                }

                s = _snapshot;
            }
        }

        return s;
    }

    /// <summary>Replaces the snapshot; the old one's map closes once the searches on it end.</summary>
    private void SetSnapshot(Snapshot next)
    {
        Snapshot old = _snapshot;
        _snapshot = next;
        if (!ReferenceEquals(old, next))
        {
            old.View?.Dispose();
            if (ReferenceEquals(next, Snapshot.Empty) && Volatile.Read(ref _keepWarm))
            {
                ScheduleRewarm();
            }
        }
    }

    /// <summary>(Re)starts the wait before warming the next snapshot: a run of commits warms once, after the last.</summary>
    private void ScheduleRewarm()
    {
        lock (_rewarmLock)
        {
            if (_disposed)
            {
                return;
            }

            _rewarm ??= new Timer(static state => ((EmbeddedImageIndex)state!).Rewarm(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _rewarm.Change(RewarmDelay, Timeout.InfiniteTimeSpan);
        }
    }

    private void Rewarm()
    {
        try
        {
            _ = WarmUp();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or IOException or InvalidOperationException or SqliteException or UnauthorizedAccessException or OutOfMemoryException)
        {
            // Closed meanwhile, the files changed under it, or no memory for the copy: searches read the files until the
            // next warm-up (an exception left to a timer's thread would end the process).
        }
    }

    /// <summary>
    /// The live rows in id order, from the ids file alone (8 bytes a row), and a map of the vectors. Paths, facts and
    /// copies are read from the catalogue only when something asks for them.
    /// </summary>
    private Snapshot Load()
    {
        int dims = Model?.Dimensions ?? 0;
        if (dims == 0 || _files is null)
        {
            return Snapshot.Empty;
        }

        RefreshVectorState(); // another process may have added rows or switched to a compacted generation
        if (_rows == 0)
        {
            return Snapshot.Empty;
        }

        (long[] ids, int[] rows) = LiveRows(TakeIdsAtOpen() ?? _files!.ReadIds(_rows));
        VectorView view = _files.Map(_rows, _codeRows);
        var snapshot = new Snapshot(ids, rows, view, dims, _centre);
        snapshot.SetLoaders(() => LoadPaths(snapshot), () => LoadFacts(snapshot));
        return snapshot;
    }

    /// <summary>
    /// The live rows of the ids file (dead rows hold a negative id) in id order, with where each lives. Compiled
    /// optimised at once: a fresh <c>search</c> runs it once over a million rows, and the unoptimised first tier (a list
    /// of pairs and two projections) took 400 ms of its start there.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    internal static (long[] Ids, int[] Rows) LiveRows(long[] all)
    {
        int count = 0;
        bool sorted = true;
        long last = long.MinValue;
        for (int r = 0; r < all.Length; r++)
        {
            long id = all[r];
            if (id >= 0)
            {
                sorted &= id > last;
                last = id;
                count++;
            }
        }

        long[] ids = new long[count];
        int[] rows = new int[count];
        for (int r = 0, i = 0; r < all.Length; r++)
        {
            if (all[r] >= 0)
            {
                ids[i] = all[r];
                rows[i++] = r;
            }
        }

        if (!sorted)
        {
            // Rows replaced in place of old ones come later in the files; the last row of an id is the current one.
            (long Id, int Row)[] current = [.. ids.Zip(rows).GroupBy(x => x.First).Select(g => g.Last()).OrderBy(x => x.First)];
            ids = [.. current.Select(x => x.Id)];
            rows = [.. current.Select(x => x.Row)];
        }

        return (ids, rows);
    }

    private (string[] Paths, Dictionary<int, string[]> Copies) LoadPaths(Snapshot s)
    {
        string[] paths = new string[s.Ids.Length];
        var copies = new Dictionary<int, string[]>();
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = "SELECT i.id, f.path FROM files f JOIN images i ON i.hash = f.hash ORDER BY i.id, f.path";
            using SqliteDataReader r = cmd.ExecuteReader();
            int row = -1;
            long current = long.MinValue;
            List<string>? many = null;
            while (r.Read())
            {
                long id = r.GetInt64(0);
                if (id != current)
                {
                    Flush();
                    current = id;
                    row = Array.BinarySearch(s.Ids, id);
                    if (row >= 0)
                    {
                        paths[row] = r.GetString(1);
                    }

                    continue;
                }

                if (row >= 0)
                {
                    many ??= [paths[row]];
                    many.Add(r.GetString(1));
                }
            }

            Flush();

            void Flush()
            {
                if (many is not null)
                {
                    // Identical copies in several folders: a folder scope must see every one of them.
                    copies[row] = [.. many];
                    many = null;
                }
            }
        }

        for (int i = 0; i < paths.Length; i++)
        {
            paths[i] ??= "";
        }

        return (paths, copies);
    }

    private PhotoFacts LoadFacts(Snapshot s)
    {
        var facts = new FactsBuilder();
        lock (_lock)
        {
            using SqliteCommand cmd = _connection.CreateCommand();
            cmd.CommandText = $"SELECT id, {MetadataColumns} FROM images ORDER BY id";
            using SqliteDataReader r = cmd.ExecuteReader();
            int next = 0;
            while (r.Read() && next < s.Ids.Length)
            {
                long id = r.GetInt64(0);
                while (next < s.Ids.Length && s.Ids[next] < id)
                {
                    facts.Add((null, null)); // a row the catalogue no longer has (the snapshot is older)
                    next++;
                }

                if (next < s.Ids.Length && s.Ids[next] == id)
                {
                    facts.Add(ReadMetadata(r, 1));
                    next++;
                }
            }

            while (next++ < s.Ids.Length)
            {
                facts.Add((null, null));
            }
        }

        return facts.Build();
    }

    /// <summary>Hits with their first paths: from the loaded paths, or one catalogue query for just these rows.</summary>
    private ImageHit[] HitsOf(Snapshot s, (int Row, float Score)[] best)
    {
        if (best.Length == 0)
        {
            return [];
        }

        Dictionary<long, string> paths;
        if (s.PathsLoaded)
        {
            paths = best.ToDictionary(b => s.Ids[b.Row], b => s.Paths[b.Row]);
        }
        else
        {
            paths = [];
            lock (_lock)
            {
                using SqliteCommand cmd = _connection.CreateCommand();
                var names = new List<string>();
                for (int i = 0; i < best.Length; i++)
                {
                    names.Add("$i" + i.ToString(CultureInfo.InvariantCulture));
                    cmd.Parameters.AddWithValue(names[^1], s.Ids[best[i].Row]);
                }

                cmd.CommandText = $"SELECT i.id, MIN(f.path) FROM images i JOIN files f ON f.hash = i.hash WHERE i.id IN ({string.Join(',', names)}) GROUP BY i.id";
                using SqliteDataReader r = cmd.ExecuteReader();
                while (r.Read())
                {
                    paths[r.GetInt64(0)] = r.GetString(1);
                }
            }
        }

        // A row whose catalogue entry is gone (another process removed it since this snapshot) is not a hit.
        return [.. best.Where(b => paths.TryGetValue(s.Ids[b.Row], out string? p) && p.Length > 0).Select(b => new ImageHit(s.Ids[b.Row], paths[s.Ids[b.Row]], b.Score))];
    }

    /// <summary>Whether a scored row can be shown: a damaged row (not finite, not unit length) never is.</summary>
    private static bool IsServable(Snapshot s, int row, float score)
    {
        if (!float.IsFinite(score))
        {
            return false;
        }

        float[] v = new float[s.Dimensions];
        s.View!.Read(s.FileRows, row, v);
        return VectorProblem(v, s.Dimensions).Length == 0;
    }

    private static bool[] MaskOf(Snapshot s, IReadOnlySet<long> allowed)
    {
        if (allowed is RowSet rs && ReferenceEquals(rs.For, s))
        {
            return rs.Mask;
        }

        bool[] mask = new bool[s.Ids.Length];
        if (allowed.Count < s.Ids.Length / 8)
        {
            foreach (long id in allowed)
            {
                int row = Array.BinarySearch(s.Ids, id);
                if (row >= 0)
                {
                    mask[row] = true;
                }
            }
        }
        else
        {
            for (int row = 0; row < mask.Length; row++)
            {
                mask[row] = allowed.Contains(s.Ids[row]);
            }
        }

        return mask;
    }

    private static int CountOf(bool[] mask)
    {
        int n = 0;
        foreach (bool b in mask)
        {
            n += b ? 1 : 0;
        }

        return n;
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

    /// <summary>
    /// What searches read: the live ids in order, where each lives in the vector files, the map, and, loaded on first
    /// use, paths, copies and facts.
    /// </summary>
    private sealed class Snapshot(long[] ids, int[] fileRows, Vectors.VectorView? view, int dimensions, float[]? centre)
    {
        public static readonly Snapshot Empty = new([], [], null, 0, null);

        private Lazy<(string[] Paths, Dictionary<int, string[]> Copies)> _paths = new(() => ([], []));
        private Lazy<PhotoFacts> _facts = new(() => PhotoFacts.Empty);

        public long[] Ids { get; } = ids;

        public int[] FileRows { get; } = fileRows;

        public Vectors.VectorView? View { get; } = view;

        public int Dimensions { get; } = dimensions;

        public float[]? Centre { get; } = centre;

        public string[] Paths => _paths.Value.Paths;

        public bool PathsLoaded => _paths.IsValueCreated;

        /// <summary>Every path of the rows whose content has more than one file.</summary>
        public Dictionary<int, string[]> Copies => _paths.Value.Copies;

        public PhotoFacts Facts => _facts.Value;

        /// <summary>Photos per folder over the whole snapshot, most first (made on first use).</summary>
        public (string Folder, int Photos)[] FolderCounts => LazyInitializer.EnsureInitialized(ref _folderCounts, () => CountFolders(Paths, null));

        private (string Folder, int Photos)[]? _folderCounts;

        public bool FactsLoaded => _facts.IsValueCreated;

        public void SetLoaders(Func<(string[], Dictionary<int, string[]>)> paths, Func<PhotoFacts> facts)
        {
            _paths = new(paths, LazyThreadSafetyMode.ExecutionAndPublication);
            _facts = new(facts, LazyThreadSafetyMode.ExecutionAndPublication);
        }

        /// <summary>Holds the map open for a search (false when the snapshot has been replaced and closed).</summary>
        public bool Enter() => View?.TryEnter() ?? false;

        public void Exit() => View?.Exit();

        /// <summary>Every row as float32, for the optional ITQ codes (memory: 4 bytes a value).</summary>
        public float[] AllVectors()
        {
            float[] all = new float[Ids.Length * Dimensions];
            for (int r = 0; r < Ids.Length; r++)
            {
                View!.Read(FileRows, r, all.AsSpan(r * Dimensions, Dimensions));
            }

            return all;
        }
    }

    /// <summary>The rows a filter allows, as a set of ids and as a mask over the snapshot it was made from.</summary>
    /// <remarks>The set of ids is built only when something asks a set question; searches read the mask.</remarks>
    private sealed class RowSet(Snapshot snapshot, bool[] mask, int count) : IReadOnlySet<long>
    {
        private HashSet<long>? _ids;

        public Snapshot For { get; } = snapshot;

        public bool[] Mask { get; } = mask;

        public int Count { get; } = count;

        private HashSet<long> Ids => _ids ??= [.. Mask.Select((m, row) => (m, row)).Where(x => x.m).Select(x => For.Ids[x.row])];

        public bool Contains(long item)
        {
            int row = Array.BinarySearch(For.Ids, item);
            return row >= 0 && Mask[row];
        }

        public IEnumerator<long> GetEnumerator() => Ids.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public bool IsProperSubsetOf(IEnumerable<long> other) => Ids.IsProperSubsetOf(other);

        public bool IsProperSupersetOf(IEnumerable<long> other) => Ids.IsProperSupersetOf(other);

        public bool IsSubsetOf(IEnumerable<long> other) => Ids.IsSubsetOf(other);

        public bool IsSupersetOf(IEnumerable<long> other) => Ids.IsSupersetOf(other);

        public bool Overlaps(IEnumerable<long> other) => Ids.Overlaps(other);

        public bool SetEquals(IEnumerable<long> other) => Ids.SetEquals(other);
    }
}
