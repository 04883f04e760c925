using AgentRetrieval.Imaging;

namespace AgentRetrieval.Indexing;

/// <summary>Walks a folder tree for image files, following symbolic links but never into a loop.</summary>
internal static class FileWalker
{
    public static List<FileInfo> Walk(string root, List<SkippedFile> skipped, CancellationToken cancellationToken)
    {
        var files = new List<FileInfo>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<DirectoryInfo>();
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
                skipped.Add(new SkippedFile(dir.FullName, $"unreadable folder: {ex.Message}"));
                continue;
            }

            Array.Sort(entries, (a, b) => string.CompareOrdinal(a.Name, b.Name));
            for (int i = entries.Length - 1; i >= 0; i--)
            {
                FileSystemInfo e = entries[i];
                if (e is DirectoryInfo sub)
                {
                    stack.Push(sub);
                }
                else if (e is FileInfo file && ImageLoader.SupportedExtensions.Contains(file.Extension))
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
