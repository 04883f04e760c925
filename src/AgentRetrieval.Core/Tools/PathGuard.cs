namespace AgentRetrieval.Tools;

/// <summary>
/// Decides whether a path from a tool argument may be read: it must be absolute and, once every symbolic link is
/// resolved, lie inside one of the allowed folders. "..", links out of the folder and relative paths are refused.
/// </summary>
public static class PathGuard
{
    /// <summary>The real path of <paramref name="path"/> if it lies inside an allowed folder.</summary>
    /// <param name="path">The untrusted path.</param>
    /// <param name="allowedFolders">The allowed folders.</param>
    /// <param name="error">Why it was refused.</param>
    /// <returns>The resolved path, or null.</returns>
    public static string? Resolve(string? path, IEnumerable<string> allowedFolders, out string error)
    {
        ArgumentNullException.ThrowIfNull(allowedFolders);
        error = "";
        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            error = "the path is empty or invalid";
            return null;
        }

        if (!Path.IsPathFullyQualified(path))
        {
            error = $"'{path}' is not an absolute path; give an absolute path inside an allowed folder, or a catalogue id";
            return null;
        }

        string real = RealPath(path);
        foreach (string folder in allowedFolders)
        {
            string root = Path.TrimEndingDirectorySeparator(RealPath(folder));
            if (real == root || real.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                return real;
            }
        }

        error = $"'{path}' is outside the folders this tool may read";
        return null;
    }

    /// <summary>The path with every symbolic link in it resolved (missing parts are kept as written).</summary>
    /// <param name="path">An absolute path.</param>
    public static string RealPath(string path)
    {
        string full = Path.GetFullPath(path);
        string root = Path.GetPathRoot(full)!;
        string current = root;
        string[] parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (int i = 0; i < parts.Length; i++)
        {
            string next = Path.Combine(current, parts[i]);
            try
            {
                FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
                if (info.Exists && info.LinkTarget is not null)
                {
                    FileSystemInfo? target = info.ResolveLinkTarget(returnFinalTarget: true);
                    if (target is not null)
                    {
                        next = RealPath(target.FullName);
                    }
                }
            }
            catch (IOException)
            {
                // A loop of links: keep the name; it will not be inside an allowed folder by accident.
            }

            current = next;
        }

        return Path.TrimEndingDirectorySeparator(current);
    }
}
