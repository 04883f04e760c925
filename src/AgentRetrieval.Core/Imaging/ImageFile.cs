using System.Globalization;

namespace AgentRetrieval.Imaging;

/// <summary>
/// Reads image files safely: only regular files with content (a pipe, socket or device reports a size of 0 and is never
/// opened, so a FIFO named <c>x.jpg</c> cannot hang a run and a link to <c>/dev/zero</c> cannot fill the memory), with
/// the size checked before reading and never more than the limit read.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public static class ImageFile
{
    /// <summary>The default largest file read: 512 MiB.</summary>
    public const long DefaultMaxBytes = 512L * 1024 * 1024;

    /// <summary>Reads a whole image file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The largest size read.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="InvalidImageException">Empty, not a regular file, or over the limit.</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="IOException">It cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to read it.</exception>
    public static byte[] ReadAllBytes(string path, long maxBytes = DefaultMaxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (Directory.Exists(path))
        {
            throw new InvalidImageException($"'{path}' is a folder, not an image file.");
        }

        if (!info.Exists)
        {
            throw new FileNotFoundException(info.LinkTarget is null ? $"There is no file '{path}'." : $"'{path}' is a symbolic link to '{info.LinkTarget}', which does not exist.", path);
        }

        if (info.LinkTarget is not null)
        {
            // A link's own size is the length of its target's name: measure what it points to.
            FileSystemInfo? target = info.ResolveLinkTarget(returnFinalTarget: true);
            info = target as FileInfo ?? throw new InvalidImageException($"'{path}' is a symbolic link to '{target?.FullName}', which is not a file.");
            if (!info.Exists)
            {
                throw new FileNotFoundException($"'{path}' is a symbolic link to '{info.FullName}', which does not exist.", path);
            }
        }

        long length = info.Length;
        if (length == 0)
        {
            throw new InvalidImageException("empty (0 bytes), or not a regular file (a pipe, socket or device): not read");
        }

        if (length > maxBytes)
        {
            throw new InvalidImageException(string.Create(CultureInfo.InvariantCulture,
                $"the file is {length / (1024.0 * 1024):0.#} MiB, over the limit of {maxBytes / (1024.0 * 1024):0.#} MiB (Indexing:MaxFileBytes)"));
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        byte[] buffer = new byte[length];
        int read = 0;
        while (read < buffer.Length)
        {
            int n = stream.Read(buffer, read, buffer.Length - read);
            if (n == 0)
            {
                Array.Resize(ref buffer, read); // the file shrank while it was read
                break;
            }

            read += n;
        }

        return buffer;
    }
}
