using System.Runtime.InteropServices;
using AgentRetrieval.Indexing;

namespace AgentRetrieval.Tests.Indexing;

/// <summary>File names that are not UTF-8 and paths over PATH_MAX: reported exactly, never lost or merged silently.</summary>
public sealed class OddNamesTests
{
    [DllImport("libc", SetLastError = true)]
    private static extern int open(byte[] path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int mkdirat(int dirfd, byte[] path, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int openat(int dirfd, byte[] path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern nint write(int fd, byte[] buffer, nint count);

    private static byte[] Z(byte[] b) => [.. b, 0];

    private static void WriteRaw(byte[] path, byte[] data)
    {
        int fd = open(Z(path), 0x41 /* O_WRONLY | O_CREAT */, 420);
        Assert.True(fd >= 0, $"open failed: {Marshal.GetLastPInvokeError()}");
        write(fd, data, data.Length);
        Assert.Equal(0, close(fd));
    }

    [Fact]
    public async Task IndexAsync_NonUtf8NamesAndOverlongPath_ReportedWithReasonAndPath()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Linux file names are bytes; this test makes ones that are not UTF-8.");
        using var dir = new TempDirectory();
        string photos = dir.Combine("photos");
        Directory.CreateDirectory(photos);
        byte[] jpeg = TestImages.Jpeg(32, 32, 3);
        File.WriteAllBytes(Path.Combine(photos, "good.jpg"), jpeg);
        byte[] folder = System.Text.Encoding.UTF8.GetBytes(photos + "/");
        WriteRaw([.. folder, .. "bad"u8, 0xFF, 0xFE, .. ".jpg"u8], TestImages.Jpeg(32, 32, 4));
        WriteRaw([.. folder, .. "bad"u8, 0xFD, 0xFC, .. ".jpg"u8], TestImages.Jpeg(32, 32, 5));

        // A folder chain deeper than PATH_MAX, made one level at a time (relative to an open folder).
        int fd = open(Z(folder), 0x10000 /* O_DIRECTORY */, 0);
        byte[] level = System.Text.Encoding.ASCII.GetBytes(new string('d', 250));
        for (int i = 0; i < 18; i++)
        {
            Assert.Equal(0, mkdirat(fd, Z(level), 493));
            int next = openat(fd, Z(level), 0x10000, 0);
            Assert.Equal(0, close(fd));
            fd = next;
        }

        int file = openat(fd, Z("deep.jpg"u8.ToArray()), 0x41, 420);
        write(file, jpeg, jpeg.Length);
        Assert.Equal(0, close(file));
        Assert.Equal(0, close(fd));

        try
        {
            await IndexAndCheckAsync(dir, photos);
        }
        finally
        {
            // .NET cannot delete what it cannot name; the shell can.
            using var rm = System.Diagnostics.Process.Start("rm", ["-rf", photos]);
            await rm.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    private static async Task IndexAndCheckAsync(TempDirectory dir, string photos)
    {
        var encoder = new FakeImageEmbeddingGenerator();
        using EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Combine("index"));
        IndexReport report = await new FolderIndexer(encoder, encoder.Identity, index, new IndexingOptions()).IndexAsync(photos, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, report.Embedded);
        SkippedFile[] names = [.. report.Skipped.Where(s => s.Reason.Contains("not valid UTF-8", StringComparison.Ordinal))];
        Assert.Equal(2, names.Length); // both reported, neither merged into the other
        Assert.All(names, s => Assert.StartsWith(Path.Combine(photos, "bad"), s.Path, StringComparison.Ordinal));
        SkippedFile deep = Assert.Single(report.Skipped, s => s.Reason.Contains("PATH_MAX", StringComparison.Ordinal));
        Assert.StartsWith(photos, deep.Path, StringComparison.Ordinal);
        Assert.True(deep.Path.Length > 3000, "the report names the long path, not an empty one");
    }
}
