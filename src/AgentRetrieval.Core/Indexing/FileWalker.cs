using AgentRetrieval.Imaging;

namespace AgentRetrieval.Indexing;

/// <summary>Walks a folder tree for image files, following symbolic links but never into a loop.</summary>
internal static class FileWalker
{
    /// <summary>Linux's PATH_MAX: a path this long cannot be opened.</summary>
    private const int MaxPathBytes = 4096;

    public static List<FileInfo> Walk(string root, List<SkippedFile> skipped, CancellationToken cancellationToken)
    {
        var files = new List<FileInfo>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<DirectoryInfo>();
        var paths = new Dictionary<DirectoryInfo, string>(ReferenceEqualityComparer.Instance);
        stack.Push(new DirectoryInfo(root));
        while (stack.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            DirectoryInfo dir = stack.Pop();
            string? canonical = Canonical(dir, skipped);
            if (canonical is null)
            {
                continue;
            }

            if (!visited.Add(canonical))
            {
                skipped.Add(new SkippedFile(dir.FullName, $"symlink loop: this folder leads back to '{canonical}', which is already indexed"));
                continue;
            }

            FileSystemInfo[] entries;
            try
            {
                entries = dir.GetFileSystemInfos();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.SecurityException)
            {
                // A very long path can leave FullName empty: report the path as it was built.
                string shown = dir.FullName.Length > 0 ? dir.FullName : paths.GetValueOrDefault(dir, dir.Name);
                int bytes = System.Text.Encoding.UTF8.GetByteCount(shown);
                skipped.Add(new SkippedFile(shown, bytes >= MaxPathBytes - 256
                    ? $"the folder's path is {bytes:N0} bytes long, at the system's limit of {MaxPathBytes:N0} (PATH_MAX): its files cannot be opened; move it higher up to index it"
                    : $"unreadable folder: {ex.Message}"));
                continue;
            }

            Array.Sort(entries, (a, b) => string.CompareOrdinal(a.Name, b.Name));
            for (int i = entries.Length - 1; i >= 0; i--)
            {
                FileSystemInfo e = entries[i];
                if (e is FileInfo candidate && !ImageLoader.SupportedExtensions.Contains(candidate.Extension))
                {
                    continue;
                }

                if (e.Name.Contains('\uFFFD', StringComparison.Ordinal))
                {
                    // .NET decodes file names as UTF-8; bytes that are not UTF-8 become U+FFFD, and the name can no
                    // longer be opened (two such names even collapse into one). Say so instead of "unreadable".
                    skipped.Add(new SkippedFile(e.FullName, $"its name is not valid UTF-8 (the bytes shown as \uFFFD), so it cannot be opened by name; rename the {(e is DirectoryInfo ? "folder" : "file")} (for example with convmv) to index it"));
                    continue;
                }

                if (System.Text.Encoding.UTF8.GetByteCount(e.FullName) >= MaxPathBytes)
                {
                    skipped.Add(new SkippedFile(e.FullName, $"its path is {System.Text.Encoding.UTF8.GetByteCount(e.FullName):N0} bytes long, over the system's limit of {MaxPathBytes:N0} (PATH_MAX); move it higher up to index it"));
                    continue;
                }

                if (e is DirectoryInfo sub)
                {
                    paths[sub] = Path.Combine(paths.GetValueOrDefault(dir, dir.FullName), sub.Name);
                    stack.Push(sub);
                }
                else if (e is FileInfo file)
                {
                    files.Add(file);
                }
            }
        }

        files.Sort((a, b) => string.CompareOrdinal(a.FullName, b.FullName));
        return files;
    }

    private static string? Canonical(DirectoryInfo dir, List<SkippedFile> skipped)
    {
        try
        {
            if (dir.LinkTarget is null)
            {
                return dir.FullName;
            }

            FileSystemInfo? target = dir.ResolveLinkTarget(returnFinalTarget: true);
            if (target is null || !target.Exists)
            {
                skipped.Add(new SkippedFile(dir.FullName, "broken symbolic link"));
                return null;
            }

            return Path.TrimEndingDirectorySeparator(target.FullName);
        }
        catch (IOException ex)
        {
            // ELOOP: a chain of links that never ends.
            skipped.Add(new SkippedFile(dir.FullName, $"symlink loop: {ex.Message}"));
            return null;
        }
    }
}
