using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Polly;
using Polly.Retry;

namespace AgentRetrieval.Models;

/// <summary>
/// Downloads a model's files from a Hugging Face-style hub into a folder: resumable (HTTP range requests on a
/// <c>.partial</c> file), retried on transient failures with a Polly pipeline, and verified against the SHA-256 the hub
/// reports for each large file (its LFS oid) or the manifest records. A folder counts as an installed model only once
/// every file is verified and the marker file is written, so a partial or corrupt download never passes for a model.
/// </summary>
public sealed class ModelDownloader
{
    /// <summary>The marker written into a model folder once every file is verified.</summary>
    public const string MarkerFileName = ".agentretrieval-model.json";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly ResiliencePipeline _retry;

    /// <summary>Creates the downloader.</summary>
    /// <param name="http">The HTTP client (its timeout should allow large files).</param>
    /// <param name="hubEndpoint">The hub's base address.</param>
    /// <param name="maxAttempts">Attempts per file, counting the first.</param>
    /// <param name="retryDelay">The first delay between attempts (doubles each time).</param>
    public ModelDownloader(HttpClient http, Uri hubEndpoint, int maxAttempts = 4, TimeSpan? retryDelay = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(hubEndpoint);
        _http = http;
        _endpoint = hubEndpoint;
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = Math.Max(0, maxAttempts - 1),
                Delay = retryDelay ?? TimeSpan.FromSeconds(1),
                BackoffType = DelayBackoffType.Exponential,
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>(IsTransient).Handle<IOException>()
                    .Handle<TaskCanceledException>(e => e.InnerException is TimeoutException),
            })
            .Build();
    }

    /// <summary>Whether <paramref name="directory"/> holds a completely downloaded and verified model.</summary>
    /// <param name="directory">The model folder.</param>
    public static bool IsInstalled(string directory) => File.Exists(Path.Combine(directory, MarkerFileName));

    /// <summary>Downloads <paramref name="model"/>'s <paramref name="variant"/> into <paramref name="directory"/>.</summary>
    /// <param name="model">The manifest entry.</param>
    /// <param name="variant">full, quantized or fp16.</param>
    /// <param name="directory">The model folder.</param>
    /// <param name="progress">Receives per-file progress.</param>
    /// <param name="cancellationToken">Stops the download; what was fetched stays as <c>.partial</c> for the next run.</param>
    /// <exception cref="InvalidDataException">A file's size or checksum is wrong (the bad file is deleted).</exception>
    /// <exception cref="HttpRequestException">The hub cannot be reached after retries, or refuses a file.</exception>
    public async Task PullAsync(ModelEntry model, string variant, string directory, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        IReadOnlyList<ModelFile> files = model.FilesFor(variant);
        Directory.CreateDirectory(directory);
        string marker = Path.Combine(directory, MarkerFileName);
        Dictionary<string, string> known = ReadMarker(marker);
        File.Delete(marker);

        Dictionary<string, (long Size, string? Sha256)> listing = await ListAsync(model, cancellationToken);
        var verified = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ModelFile file in files)
        {
            listing.TryGetValue(file.Path, out (long Size, string? Sha256) hub);
            string? expectedSha = file.Sha256 ?? hub.Sha256;
            long? expectedSize = hub.Size > 0 ? hub.Size : null;
            string target = Path.Combine(directory, file.Path.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);

            if (File.Exists(target) && known.TryGetValue(file.Path, out string? knownSha) &&
                (expectedSha is null || knownSha == expectedSha) && (expectedSize is null || new FileInfo(target).Length == expectedSize))
            {
                verified[file.Path] = knownSha;
                progress?.Report(new DownloadProgress(file.Path, new FileInfo(target).Length, expectedSize, true));
                continue;
            }

            string partial = target + ".partial";
            await _retry.ExecuteAsync(async ct => await DownloadAsync(model, file.Path, partial, expectedSize, progress, ct), cancellationToken);

            long length = new FileInfo(partial).Length;
            if (expectedSize is not null && length != expectedSize)
            {
                File.Delete(partial);
                throw new InvalidDataException($"{file.Path}: got {length} bytes, the hub lists {expectedSize}. The file was deleted; run the pull again.");
            }

            string actual = await HashAsync(partial, cancellationToken);
            if (expectedSha is not null && !string.Equals(actual, expectedSha, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(partial);
                throw new InvalidDataException($"{file.Path}: checksum mismatch (SHA-256 {actual}, expected {expectedSha}). The corrupt file was deleted; run the pull again.");
            }

            File.Move(partial, target, overwrite: true);
            verified[file.Path] = actual;
            progress?.Report(new DownloadProgress(file.Path, length, expectedSize, true));
        }

        var markerContent = new { model.Name, model.Repository, model.Revision, Variant = variant, Files = verified };
        await File.WriteAllTextAsync(marker, JsonSerializer.Serialize(markerContent, s_json), cancellationToken);
    }

    private async Task DownloadAsync(ModelEntry model, string path, string partial, long? expectedSize, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        long existing = File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (expectedSize is not null && existing == expectedSize)
        {
            return;
        }

        if (expectedSize is not null && existing > expectedSize)
        {
            File.Delete(partial);
            existing = 0;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, FileUri(model, path));
        if (existing > 0)
        {
            request.Headers.Range = new RangeHeaderValue(existing, null);
        }

        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            File.Delete(partial);
            throw new IOException("The server refused to resume; starting the file again.");
        }

        response.EnsureSuccessStatusCode();
        bool resumed = response.StatusCode == HttpStatusCode.PartialContent;
        if (!resumed)
        {
            existing = 0;
        }

        long? total = expectedSize ?? (response.Content.Headers.ContentLength is long cl ? cl + existing : null);
        await using FileStream output = new(partial, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using Stream input = await response.Content.ReadAsStreamAsync(cancellationToken);
        byte[] buffer = new byte[1 << 16];
        long done = existing;
        int read;
        while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            done += read;
            progress?.Report(new DownloadProgress(path, done, total, false));
        }

        if (total is not null && done < total)
        {
            throw new IOException($"The connection closed after {done} of {total} bytes of {path}.");
        }
    }

    private async Task<Dictionary<string, (long, string?)>> ListAsync(ModelEntry model, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (long, string?)>(StringComparer.Ordinal);
        var uri = new Uri(_endpoint, $"api/models/{model.Repository}/tree/{Uri.EscapeDataString(model.Revision)}?recursive=true");
        using HttpResponseMessage response = await _retry.ExecuteAsync(async ct => await _http.GetAsync(uri, ct), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The hub did not list the files of {model.Repository} ({(int)response.StatusCode} {response.ReasonPhrase}) at {uri}.", null, response.StatusCode);
        }

        using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken));
        foreach (JsonElement e in doc.RootElement.EnumerateArray())
        {
            if (!e.TryGetProperty("path", out JsonElement p) || e.TryGetProperty("type", out JsonElement t) && t.GetString() != "file")
            {
                continue;
            }

            long size = e.TryGetProperty("size", out JsonElement s) ? s.GetInt64() : 0;
            string? sha = e.TryGetProperty("lfs", out JsonElement lfs) && lfs.ValueKind == JsonValueKind.Object && lfs.TryGetProperty("oid", out JsonElement oid) ? oid.GetString() : null;
            result[p.GetString()!] = (size, sha);
        }

        return result;
    }

    private Uri FileUri(ModelEntry model, string path) =>
        new(_endpoint, $"{model.Repository}/resolve/{Uri.EscapeDataString(model.Revision)}/{path}");

    private static async Task<string> HashAsync(string path, CancellationToken cancellationToken)
    {
        await using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    private static Dictionary<string, string> ReadMarker(string marker)
    {
        try
        {
            if (!File.Exists(marker))
            {
                return [];
            }

            using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(marker));
            return doc.RootElement.GetProperty("Files").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return [];
        }
    }

    private static bool IsTransient(HttpRequestException ex) =>
        ex.StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError;
}
