using AgentRetrieval.Imaging;

namespace AgentRetrieval.Indexing;

/// <summary>
/// Watches folders and calls back with each batch of changes, so an index follows a library that keeps changing:
/// file-system notifications (FileSystemWatcher, sub-folders included) gathered until the folder has been quiet for
/// <see cref="FolderWatcherOptions.Debounce"/> (at most <see cref="FolderWatcherOptions.MaxDelay"/>), so a burst of a
/// thousand copies is one batch; a lost-notifications overflow, or a watcher that fails, becomes a rescan of that folder;
/// network drives and file systems without notifications are rescanned every <see cref="FolderWatcherOptions.PollInterval"/>.
/// The callback re-indexes the folder incrementally (unchanged files are skipped, moved ones recognised by content).
/// </summary>
/// <remarks>Thread-safe; callbacks run one at a time, never concurrently.</remarks>
public sealed class FolderWatcher : IAsyncDisposable
{
    private static readonly HashSet<string> s_networkFileSystems = new(StringComparer.Ordinal)
    {
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "fuse.sshfs", "9p", "afs", "ceph", "glusterfs", "davfs", "fuse.rclone", "fuse.s3fs",
    };

    private readonly Func<WatchBatch, CancellationToken, Task> _onChanges;
    private readonly FolderWatcherOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HashSet<string>> _changed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _rescan = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileSystemWatcher> _watchers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _firstChange = -1, _lastChange = -1;

    /// <summary>Starts watching.</summary>
    /// <param name="roots">The folders (each with its sub-folders).</param>
    /// <param name="onChanges">Called with each batch; exceptions are reported through <paramref name="onError"/> and the watch goes on.</param>
    /// <param name="options">Timing.</param>
    /// <param name="onError">Receives failures of the callback or of a watcher.</param>
    /// <param name="timeProvider">The clock.</param>
    public FolderWatcher(IReadOnlyList<string> roots, Func<WatchBatch, CancellationToken, Task> onChanges, FolderWatcherOptions? options = null, Action<string>? onError = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(roots);
        ArgumentNullException.ThrowIfNull(onChanges);
        _onChanges = onChanges;
        _options = options ?? new FolderWatcherOptions();
        _time = timeProvider ?? TimeProvider.System;
        OnError = onError ?? (_ => { });
        var polled = new List<string>();
        foreach (string root in roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).Distinct(StringComparer.Ordinal))
        {
            if (!Directory.Exists(root))
            {
                throw new DirectoryNotFoundException($"Cannot watch '{root}': it does not exist.");
            }

            if (_options.ForcePolling || IsNetworkDrive(root) || !TryWatch(root, out string? why))
            {
                polled.Add(root);
            }
        }

        Roots = [.. roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).Distinct(StringComparer.Ordinal)];
        Polled = polled;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The watched folders.</summary>
    public IReadOnlyList<string> Roots { get; }

    /// <summary>The folders rescanned periodically (network drives, or where notifications are unavailable).</summary>
    public IReadOnlyList<string> Polled { get; private set; }

    /// <summary>How many changed photo files wait for the next batch.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _changed.Values.Sum(s => s.Count);
            }
        }
    }

    private Action<string> OnError { get; }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        lock (_lock)
        {
            foreach (FileSystemWatcher w in _watchers.Values)
            {
                w.Dispose();
            }

            _watchers.Clear();
        }

        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
        _signal.Dispose();
    }

    private bool TryWatch(string root, out string? why)
    {
        why = null;
        try
        {
            var w = new FileSystemWatcher(root)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                InternalBufferSize = 64 * 1024,
            };
            w.Created += (_, e) => Changed(root, e.FullPath);
            w.Changed += (_, e) => Changed(root, e.FullPath);
            w.Deleted += (_, e) => Changed(root, e.FullPath);
            w.Renamed += (_, e) =>
            {
                Changed(root, e.OldFullPath);
                Changed(root, e.FullPath);
            };
            w.Error += (_, e) => Overflow(root, e.GetException());
            w.EnableRaisingEvents = true;
            lock (_lock)
            {
                _watchers[root] = w;
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // For example too many folders for the system's notification limit: rescan periodically instead.
            why = ex.Message;
            OnError($"'{root}' cannot be watched for changes ({ex.Message}); it is rescanned every {_options.PollInterval.TotalSeconds:0} s instead.");
            return false;
        }
    }

    private void Changed(string root, string path)
    {
        // A changed folder (moved in or out with its photos) counts as a change to rescan; other files do not count.
        bool photo = ImageLoader.SupportedExtensions.Contains(Path.GetExtension(path));
        bool folder = !photo && (Directory.Exists(path) || Path.GetExtension(path).Length == 0);
        if (!photo && !folder)
        {
            return;
        }

        lock (_lock)
        {
            if (!_changed.TryGetValue(root, out HashSet<string>? set))
            {
                _changed[root] = set = new HashSet<string>(StringComparer.Ordinal);
            }

            if (photo)
            {
                set.Add(path);
            }
            else
            {
                _rescan.Add(root);
            }

            long now = _time.GetTimestamp();
            _firstChange = _firstChange < 0 ? now : _firstChange;
            _lastChange = now;
        }

        Release();
    }

    private void Overflow(string root, Exception ex)
    {
        // Notifications were lost: the folder is rescanned as a whole; a broken watcher is replaced.
        OnError($"change notifications for '{root}' were lost ({ex.Message}); rescanning it.");
        lock (_lock)
        {
            _rescan.Add(root);
            long now = _time.GetTimestamp();
            _firstChange = _firstChange < 0 ? now : _firstChange;
            _lastChange = now;
            if (_watchers.Remove(root, out FileSystemWatcher? broken))
            {
                broken.Dispose();
            }
        }

        if (!_stop.IsCancellationRequested && !TryWatch(root, out _))
        {
            lock (_lock)
            {
                Polled = [.. Polled, root];
            }
        }

        Release();
    }

    private void Release()
    {
        try
        {
            _signal.Release();
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }

    private async Task LoopAsync()
    {
        CancellationToken ct = _stop.Token;
        long lastPoll = _time.GetTimestamp();
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait = Polled.Count > 0 ? _options.PollInterval - _time.GetElapsedTime(lastPoll) : Timeout.InfiniteTimeSpan;
            if (wait != Timeout.InfiniteTimeSpan && wait < TimeSpan.Zero)
            {
                wait = TimeSpan.Zero;
            }

            await _signal.WaitAsync(wait, ct);
            if (Polled.Count > 0 && _time.GetElapsedTime(lastPoll) >= _options.PollInterval)
            {
                lastPoll = _time.GetTimestamp();
                lock (_lock)
                {
                    foreach (string root in Polled)
                    {
                        _rescan.Add(root);
                    }

                    _firstChange = _lastChange = _firstChange < 0 ? _time.GetTimestamp() : _firstChange;
                }
            }

            // Debounce: wait until the folders are quiet, or the first change has waited long enough.
            while (true)
            {
                TimeSpan quiet, waited;
                lock (_lock)
                {
                    if (_firstChange < 0)
                    {
                        break;
                    }

                    quiet = _time.GetElapsedTime(_lastChange);
                    waited = _time.GetElapsedTime(_firstChange);
                }

                if (quiet >= _options.Debounce || waited >= _options.MaxDelay)
                {
                    break;
                }

                TimeSpan delay = _options.Debounce - quiet;
                await Task.Delay(delay < TimeSpan.FromMilliseconds(20) ? TimeSpan.FromMilliseconds(20) : delay, _time, ct);
            }

            List<WatchBatch> batches;
            lock (_lock)
            {
                batches = [.. _changed.Keys.Union(_rescan, StringComparer.Ordinal).Select(root =>
                    new WatchBatch(root, _changed.TryGetValue(root, out HashSet<string>? paths) ? [.. paths] : [], _rescan.Contains(root)))];
                _changed.Clear();
                _rescan.Clear();
                _firstChange = _lastChange = -1;
                while (_signal.CurrentCount > 0 && _signal.Wait(0))
                {
                    // Drained: everything signalled so far is in these batches.
                }
            }

            foreach (WatchBatch batch in batches)
            {
                try
                {
                    await _onChanges(batch, ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    OnError($"re-indexing '{batch.Root}' after changes failed: {ex.Message}");
                }
            }
        }
    }

    private static bool IsNetworkDrive(string root)
    {
        try
        {
            if (OperatingSystem.IsLinux() && File.Exists("/proc/mounts"))
            {
                // The mount that holds the folder is the longest mount point that prefixes it.
                string? type = null;
                int best = -1;
                foreach (string line in File.ReadLines("/proc/mounts"))
                {
                    string[] f = line.Split(' ');
                    if (f.Length < 3)
                    {
                        continue;
                    }

                    string mount = f[1].Replace("\\040", " ", StringComparison.Ordinal);
                    if ((root == mount || root.StartsWith(mount.TrimEnd('/') + "/", StringComparison.Ordinal)) && mount.Length > best)
                    {
                        best = mount.Length;
                        type = f[2];
                    }
                }

                return type is not null && s_networkFileSystems.Contains(type);
            }

            return new DriveInfo(root).DriveType == DriveType.Network;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

/// <summary>One batch of changes in a watched folder.</summary>
/// <param name="Root">The watched folder.</param>
/// <param name="ChangedPaths">The photo files created, changed, moved or deleted (as notified).</param>
/// <param name="Rescan">Whether the folder must be rescanned as a whole (lost notifications, a moved folder, a poll).</param>
public sealed record WatchBatch(string Root, IReadOnlyList<string> ChangedPaths, bool Rescan);
