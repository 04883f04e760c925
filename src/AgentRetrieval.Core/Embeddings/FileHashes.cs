using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace AgentRetrieval.Embeddings;

/// <summary>SHA-256 of model files, remembered per path, size and modification time so large weights are hashed once per process.</summary>
/// <remarks>Thread-safe.</remarks>
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
        return s_cache.GetOrAdd(key, static (_, p) =>
        {
            using FileStream stream = File.OpenRead(p);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        }, path);
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
