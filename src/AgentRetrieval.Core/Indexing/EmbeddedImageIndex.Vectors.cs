using System.Globalization;
using System.Runtime.InteropServices;
using AgentRetrieval.Indexing.Vectors;
using Microsoft.Data.Sqlite;

namespace AgentRetrieval.Indexing;

/// <summary>The vectors' storage: memory-mapped column files beside the catalogue (see <see cref="VectorFiles"/>).</summary>
public sealed partial class EmbeddedImageIndex
{
    /// <summary>Rows from which a search scans the binary codes and re-scores a shortlist instead of every vector.</summary>
    public const int ShortlistFrom = 50_000;

    /// <summary>
    /// Rows the shortlist's asymmetric estimate ranks after the Hamming stages (at least 16 per requested hit); half of
    /// them are re-scored exactly.
    /// </summary>
    public const int DefaultShortlist = 2_048;

    private VectorFiles? _files;
    private long _rows;      // committed rows in the files (live and dead)
    private long _live;      // committed live rows
    private long _codeRows;  // committed rows with a binary code (0 or _rows)
    private float[]? _centre;
    private bool _vectorsChecked;

    // The ids the opening check read, for the first snapshot to take instead of reading them again (with what they
    // were read under: the generation, committed rows and live rows).
    private (int Generation, long Rows, long Live, long[] Ids)? _idsAtOpen;
    private readonly List<string> _notes = [];

    /// <summary>What opening the index repaired or moved (an interrupted run's rows cut off, a migration), for the user.</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>From how many candidate rows a search uses the shortlist (<see cref="ShortlistFrom"/>; lowered by tests and benchmarks).</summary>
    internal int ShortlistThreshold { get; set; } = ShortlistFrom;

    /// <summary>How the last vector search ran ("exact" or "shortlist"), for reports and benchmarks.</summary>
    public string LastSearchMode { get; private set; } = "exact";

    /// <summary>Each stage's time and row count in the last shortlisted search, for benchmarks.</summary>
    public ShortlistStages LastShortlistStages { get; private set; }

    /// <summary>The folder's vector files, for tests and tools.</summary>
    internal VectorFiles? Files => _files;

    /// <summary>
    /// Called at open, holding the write lock: moves vectors out of an older catalogue, cuts uncommitted or torn rows off
    /// the files, and reconciles a row count the files disagree with. A read-only catalogue is read as it is.
    /// </summary>
    private void OpenVectors()
    {
        int dims = Model?.Dimensions ?? 0;
        if (dims == 0)
        {
            return;
        }

        SqliteTransaction? tx = null;
        try
        {
            tx = _connection.BeginTransaction(deferred: false);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode is 8 /* READONLY */)
        {
            tx = null;
        }

        using (tx)
        {
            ReadVectorMeta();
            if (tx is null)
            {
                _files = VectorFiles.OpenOrCreate(Directory, Generation(), dims);
                return; // read-only: served as committed, repaired by the next writer
            }

            if (ReadMeta(_connection, "vectors_generation") is null)
            {
                MoveVectorsOutOfCatalogue(tx, dims);
            }

            _files = VectorFiles.OpenOrCreate(Directory, Generation(), dims);
            (long cut, string problem) = _files.TruncateToCommitted(_rows, _codeRows);
            if (cut > 0)
            {
                _notes.Add($"The index's vector files held {cut} bytes past the last committed batch (an interrupted run); they were cut off.");
            }

            long[] ids = _files.ReadIds(Math.Min(_rows, _files.PhysicalRows()));
            long live = CountLive(ids);
            if (problem.Length > 0 || live != _live)
            {
                Reconcile(tx, problem.Length > 0 ? problem : $"the vector files hold {live} live rows; the catalogue says {_live}");
            }
            else if (ids.Length == _rows)
            {
                _idsAtOpen = (_files.Generation, _rows, _live, ids);
            }

            tx.Commit();
            _files.DeleteOtherGenerations();
        }

        if (_centre is null && _live >= VectorFiles.CodesFrom)
        {
            MakeCodes(); // a migrated index, or one whose codes were lost
        }
    }

    /// <summary>The ids the opening check read when nothing has changed since (else null); taken once.</summary>
    private long[]? TakeIdsAtOpen()
    {
        (int Generation, long Rows, long Live, long[] Ids)? opened = _idsAtOpen;
        _idsAtOpen = null;
        return opened is { } o && o.Generation == _files?.Generation && o.Rows == _rows && o.Live == _live ? o.Ids : null;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static long CountLive(long[] ids)
    {
        long live = 0;
        foreach (long id in ids)
        {
            live += id >= 0 ? 1 : 0;
        }

        return live;
    }

    /// <summary>
    /// Inside a write transaction (the catalogue's write lock is held): takes the counts, centre and generation as
    /// committed, since another process (a folder watcher in <c>serve</c>, an <c>index</c> run) may have written since.
    /// </summary>
    private void RefreshVectorState()
    {
        ReadVectorMeta();
        int generation = Generation();
        if (_files is null || _files.Generation != generation)
        {
            _files = VectorFiles.OpenOrCreate(Directory, generation, Model!.Dimensions);
        }
    }

    private int Generation() => int.Parse(ReadMeta(_connection, "vectors_generation") ?? "1", CultureInfo.InvariantCulture);

    private void ReadVectorMeta()
    {
        _rows = long.Parse(ReadMeta(_connection, "vectors_rows") ?? "0", CultureInfo.InvariantCulture);
        _live = long.Parse(ReadMeta(_connection, "vectors_live") ?? "0", CultureInfo.InvariantCulture);
        _codeRows = long.Parse(ReadMeta(_connection, "codes_rows") ?? "0", CultureInfo.InvariantCulture);
        string? centre = ReadMeta(_connection, "codes_centre");
        _centre = centre is null ? null : MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(centre)).ToArray();
    }

    private void WriteVectorMeta(SqliteTransaction tx, long rows, long live, long codeRows, float[]? centre, int? generation = null)
    {
        WriteMeta(tx, "vectors_rows", rows.ToString(CultureInfo.InvariantCulture));
        WriteMeta(tx, "vectors_live", live.ToString(CultureInfo.InvariantCulture));
        WriteMeta(tx, "codes_rows", codeRows.ToString(CultureInfo.InvariantCulture));
        if (centre is not null)
        {
            WriteMeta(tx, "codes_centre", Convert.ToBase64String(MemoryMarshal.AsBytes(centre.AsSpan())));
        }

        if (generation is { } g)
        {
            WriteMeta(tx, "vectors_generation", g.ToString(CultureInfo.InvariantCulture));
        }
    }

    private void WriteMeta(SqliteTransaction tx, string key, string value)
    {
        using SqliteCommand cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT OR REPLACE INTO meta (key, value) VALUES ($k, $v)";
        cmd.Parameters.AddWithValue("$k", key);
        cmd.Parameters.AddWithValue("$v", value);
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// An index from before the vector files kept each vector in its catalogue row: they are written to the files in
    /// id order and the rows emptied, in the open transaction; nothing is embedded again.
    /// </summary>
    private void MoveVectorsOutOfCatalogue(SqliteTransaction tx, int dims)
    {
        foreach (string f in System.IO.Directory.EnumerateFiles(Directory, "vectors-*"))
        {
            File.Delete(f); // files no committed catalogue knows of
        }

        var files = VectorFiles.OpenOrCreate(Directory, 1, dims);
        var batch = new List<(long, float[])>();
        long rows = 0, moved = 0;
        var bad = new List<long>();
        using (SqliteCommand cmd = _connection.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = "SELECT id, vector FROM images ORDER BY id";
            using SqliteDataReader r = cmd.ExecuteReader();
            while (r.Read())
            {
                byte[] blob = r.IsDBNull(1) ? [] : (byte[])r.GetValue(1);
                if (blob.Length % sizeof(float) != 0 || VectorProblem(MemoryMarshal.Cast<byte, float>(blob), dims).Length > 0)
                {
                    bad.Add(r.GetInt64(0)); // embedded again by the next index run, as before
                    continue;
                }

                batch.Add((r.GetInt64(0), MemoryMarshal.Cast<byte, float>(blob).ToArray()));
                if (batch.Count == 4_096)
                {
                    files.Append(rows, batch, null, 0);
                    rows += batch.Count;
                    batch.Clear();
                }
            }
        }

        files.Append(rows, batch, null, 0);
        rows += batch.Count;
        moved = rows;
        DeleteImages(tx, bad);
        using (SqliteCommand empty = _connection.CreateCommand())
        {
            empty.Transaction = tx;
            empty.CommandText = "UPDATE images SET vector = x''";
            empty.ExecuteNonQuery();
        }

        WriteVectorMeta(tx, rows, rows, 0, null, generation: 1);
        WriteMeta(tx, "schema_version", SchemaVersion.ToString(CultureInfo.InvariantCulture));
        _rows = _live = rows;
        _codeRows = 0;
        _centre = null;
        if (moved > 0)
        {
            _notes.Add($"Moved {moved} vectors out of the catalogue into '{files.VectorsPath}' (float16, memory-mapped).");
        }
    }

    /// <summary>
    /// The slow path after a crash at the wrong moment: the files' rows are matched with the catalogue's images.
    /// Rows of images that are gone are marked dead (the last row of an id wins), and images without a row are removed
    /// with their file entries so that the next index run embeds them again.
    /// </summary>
    private void Reconcile(SqliteTransaction tx, string reason)
    {
        _notes.Add($"Reconciling the index's vectors with its catalogue: {reason}.");
        long rows = Math.Min(_rows, _files!.CompleteRows());
        if (rows < _rows)
        {
            _rows = rows;
        }

        if (_codeRows > 0 && _files.PhysicalCodeRows() < _rows)
        {
            // Codes are lost: made again from the vectors after the next commit.
            (_codeRows, _centre) = (0, null);
            using SqliteCommand del = _connection.CreateCommand();
            del.Transaction = tx;
            del.CommandText = "DELETE FROM meta WHERE key = 'codes_centre'";
            del.ExecuteNonQuery();
        }

        _codeRows = _centre is null ? 0 : _rows;
        _files.TruncateToCommitted(_rows, _codeRows);

        long[] ids = _files.ReadIds(rows);
        var catalogued = new HashSet<long>();
        using (SqliteCommand cmd = _connection.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = "SELECT id FROM images";
            using SqliteDataReader r = cmd.ExecuteReader();
            while (r.Read())
            {
                catalogued.Add(r.GetInt64(0));
            }
        }

        var seen = new HashSet<long>();
        var dead = new List<long>();
        for (long row = rows - 1; row >= 0; row--)
        {
            long id = ids[row];
            if (id < 0)
            {
                continue;
            }

            if (!catalogued.Contains(id) || !seen.Add(id))
            {
                dead.Add(row);
            }
        }

        _files.MarkDead(dead);
        DeleteImages(tx, [.. catalogued.Where(id => !seen.Contains(id))]);
        _live = seen.Count;
        WriteVectorMeta(tx, _rows, _live, _codeRows, null);
    }

    /// <summary>Removes images (with their files and text) from the catalogue, in a transaction.</summary>
    private void DeleteImages(SqliteTransaction tx, IReadOnlyCollection<long> ids)
    {
        foreach (long id in ids)
        {
            using SqliteCommand d = _connection.CreateCommand();
            d.Transaction = tx;
            d.CommandText = """
                DELETE FROM names_fts WHERE rowid = $id;
                DELETE FROM ocr_fts WHERE rowid = $id;
                DELETE FROM files WHERE hash = (SELECT hash FROM images WHERE id = $id);
                DELETE FROM images WHERE id = $id;
                """;
            d.Parameters.AddWithValue("$id", id);
            d.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Appends a batch's vectors (inside the catalogue transaction that adds their rows, before it commits) and records
    /// the new counts in it. Returns the rows that the batch replaces, to be marked dead after the commit.
    /// </summary>
    private (List<long> Replaced, long Rows, long Live, long CodeRows) AppendVectors(SqliteTransaction tx, List<(long Id, float[] Vector, bool Replaces)> added)
    {
        RefreshVectorState();
        if (added.Count == 0)
        {
            return ([], _rows, _live, _codeRows);
        }

        List<long> replaced = [];
        if (added.Any(a => a.Replaces))
        {
            var ids = added.Where(a => a.Replaces).Select(a => a.Id).ToHashSet();
            long[] existing = _files!.ReadIds(_rows);
            for (long r = 0; r < existing.Length; r++)
            {
                if (ids.Contains(existing[r]))
                {
                    replaced.Add(r);
                }
            }
        }

        _files!.Append(_rows, [.. added.Select(a => (a.Id, a.Vector))], _centre, _codeRows);
        long rows = _rows + added.Count;
        long live = _live + added.Count - replaced.Count;
        long codeRows = _centre is null ? 0 : rows;
        WriteVectorMeta(tx, rows, live, codeRows, null);
        return (replaced, rows, live, codeRows);
    }

    /// <summary>After a commit: the new counts hold, replaced rows are marked dead, codes are made once there are enough rows.</summary>
    private void AfterVectorCommit(long rows, long live, long codeRows, List<long> dead)
    {
        (_rows, _live, _codeRows) = (rows, live, codeRows);
        _files?.MarkDead(dead);
        if (_centre is null && _files is not null && _live >= VectorFiles.CodesFrom)
        {
            MakeCodes();
        }
    }

    /// <summary>The first time the index is large enough: a centre from its vectors, and the codes of every row.</summary>
    private void MakeCodes()
    {
        // Under the write lock: no other process appends while the codes of every row are written.
        using SqliteTransaction tx = _connection.BeginTransaction(deferred: false);
        RefreshVectorState();
        if (_centre is not null)
        {
            return; // another process made them
        }

        long[] ids = _files!.ReadIds(_rows);
        using VectorView view = _files.Map(_rows, 0);
        long[] live = [.. Enumerable.Range(0, ids.Length).Where(r => ids[r] >= 0).Select(r => (long)r)];
        float[] centre = VectorFiles.Centre(view, live);
        _files.WriteAllCodes(view, centre);
        WriteVectorMeta(tx, _rows, _live, _rows, centre);
        tx.Commit();
        (_codeRows, _centre) = (_rows, centre);
    }

    /// <summary>Rows of the given images, for marking them dead after their catalogue rows are deleted.</summary>
    private List<long> RowsOf(IReadOnlyCollection<long> ids)
    {
        if (ids.Count == 0 || _files is null)
        {
            return [];
        }

        var set = ids.ToHashSet();
        long[] all = _files.ReadIds(_rows);
        var rows = new List<long>();
        for (long r = 0; r < all.Length; r++)
        {
            if (all[r] >= 0 && set.Contains(all[r]))
            {
                rows.Add(r);
            }
        }

        return rows;
    }

    /// <summary>
    /// Writes the live rows to the next generation when more than a quarter of the rows are dead, and switches to it
    /// in one catalogue transaction (readers of the old generation keep their map until they reload).
    /// </summary>
    private void CompactIfWorthIt()
    {
        if (_files is null || _rows - _live < Math.Max(VectorFiles.CodesFrom, _rows / 4))
        {
            return;
        }

        // Under the write lock, with the counts as committed: no other process appends to the old generation meanwhile.
        using SqliteTransaction tx = _connection.BeginTransaction(deferred: false);
        RefreshVectorState();

        long[] ids = _files.ReadIds(_rows);
        int next = _files.Generation + 1;
        var target = VectorFiles.OpenOrCreate(Directory, next, _files.Dimensions);
        target.TruncateToCommitted(0, 0);
        var order = Enumerable.Range(0, ids.Length).Where(r => ids[r] >= 0).OrderBy(r => ids[r]).ToList();
        long written = 0;
        using (VectorView view = _files.Map(_rows, 0))
        {
            float[]? centre = order.Count >= VectorFiles.CodesFrom ? VectorFiles.Centre(view, [.. order.Select(r => (long)r)]) : null;
            foreach (int[] chunk in order.Chunk(4_096))
            {
                var batch = chunk.Select(r =>
                {
                    float[] v = new float[view.Dimensions];
                    view.Read(r, v);
                    return (ids[r], v);
                }).ToList();
                target.Append(written, batch, centre, written);
                written += batch.Count;
            }

            WriteVectorMeta(tx, written, written, centre is null ? 0 : written, centre, next);
            if (centre is null)
            {
                using SqliteCommand del = _connection.CreateCommand();
                del.Transaction = tx;
                del.CommandText = "DELETE FROM meta WHERE key = 'codes_centre'";
                del.ExecuteNonQuery();
            }

            tx.Commit();
            (_rows, _live, _codeRows, _centre) = (written, written, centre is null ? 0 : written, centre);
        }

        _files = target;
        _files.DeleteOtherGenerations();
    }

    /// <summary>
    /// Commits a transaction that deleted <paramref name="ids"/> from the catalogue, with the new live count, then marks
    /// their rows dead and compacts the files when enough rows are dead.
    /// </summary>
    private void RemoveVectors(SqliteTransaction tx, IReadOnlyCollection<long> ids)
    {
        RefreshVectorState();
        List<long> rows = RowsOf(ids);
        long live = _live - rows.Count;
        if (_files is not null)
        {
            WriteVectorMeta(tx, _rows, live, _codeRows, null);
        }

        tx.Commit();
        _live = live;
        _files?.MarkDead(rows);
        CompactIfWorthIt();
        SetSnapshot(Snapshot.Empty);
    }

    /// <summary>Starts empty files of the next generation (the index holds no live vectors).</summary>
    private void ResetVectorFiles()
    {
        int next = (_files?.Generation ?? Generation()) + 1;
        var files = VectorFiles.OpenOrCreate(Directory, next, Model?.Dimensions ?? _files!.Dimensions);
        files.TruncateToCommitted(0, 0);
        using (SqliteTransaction tx = _connection.BeginTransaction())
        {
            WriteVectorMeta(tx, 0, 0, 0, null, next);
            using SqliteCommand del = _connection.CreateCommand();
            del.Transaction = tx;
            del.CommandText = "DELETE FROM meta WHERE key = 'codes_centre'";
            del.ExecuteNonQuery();
            tx.Commit();
        }

        (_files, _rows, _live, _codeRows, _centre) = (files, 0, 0, 0, null);
        _files.DeleteOtherGenerations();
        SetSnapshot(Snapshot.Empty);
    }
}
