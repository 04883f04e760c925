using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace AgentRetrieval.Embeddings;

/// <summary>
/// SHA-256 of model files, remembered per path, size and modification time: in the process, and across processes in a
/// small cache file (<see cref="CacheFile"/>), so that a fresh <c>search</c> does not read a model's weights just to
/// know which model it is.
/// </summary>
/// <remarks>Thread-safe. The cache file is best effort: when it cannot be read or written, files are hashed.</remarks>
public static class FileHashes
{
    private static readonly ConcurrentDictionary<string, string> s_cache = new(StringComparer.Ordinal);

    /// <summary>The lower-case hex SHA-256 of a file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>64 hex characters.</returns>
    public static string Sha256(string path)
    {
        var info = new FileInfo(path);
        string key = $"{info.FullName}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
        return s_cache.GetOrAdd(key, static (k, p) =>
        {
            if (Remembered(k) is { } known)
            {
                return known;
            }

            using FileStream stream = File.OpenRead(p);
            string hash = Convert.ToHexStringLower(SHA256.HashData(stream));
            Remember(k, hash);
            return hash;
        }, path);
    }

    /// <summary>
    /// The cross-process cache: lines of "hash TAB path|size|mtime", in the user's local data folder
    /// (<c>AGENTRETRIEVAL_HASH_CACHE</c> overrides the path; an empty value turns it off).
    /// </summary>
    public static string? CacheFile
    {
        get
        {
            string? overridden = Environment.GetEnvironmentVariable("AGENTRETRIEVAL_HASH_CACHE");
            if (overridden is not null)
            {
                return overridden.Length == 0 ? null : overridden;
            }

            string root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            return root.Length == 0 ? null : Path.Combine(root, "agentretrieval", "file-hashes.tsv");
        }
    }

    private static string? Remembered(string key)
    {
        try
        {
            if (CacheFile is not { } file || !File.Exists(file))
            {
                return null;
            }

            foreach (string line in File.ReadLines(file))
            {
                int tab = line.IndexOf('\t', StringComparison.Ordinal);
                if (tab == 64 && line.AsSpan(tab + 1).SequenceEqual(key))
                {
                    return line[..tab];
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static void Remember(string key, string hash)
    {
        try
        {
            if (CacheFile is not { } file || key.Contains('\n', StringComparison.Ordinal))
            {
                return;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            // One short line appended in one write: concurrent writers interleave whole lines.
            File.AppendAllText(file, hash + "\t" + key + "\n");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A 16-hex-character fingerprint over named hashes, independent of their order.</summary>
    /// <param name="hashes">Hashes by name.</param>
    /// <returns>The fingerprint.</returns>
    public static string Fingerprint(IEnumerable<KeyValuePair<string, string>> hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        var sb = new StringBuilder();
        foreach (KeyValuePair<string, string> kv in hashes.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            sb.Append(kv.Key).Append('=').Append(kv.Value).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16];
    }
}
