using AgentRetrieval.Imaging;

namespace AgentRetrieval.Tests.Images;

public sealed class HostileImageTests
{
    [Theory]
    [InlineData(0x00)]
    [InlineData(0x01)]
    [InlineData(0xE5)]
    [InlineData(0xFE)]
    public void Identify_JpegWithoutFrameHeader_IsAnInvalidImageNotACrash(byte replacement)
    {
        byte[] jpeg = TestImages.Jpeg(64, 48, 7);
        int sof = jpeg.AsSpan().IndexOf([(byte)0xFF, (byte)0xC0]);
        Assert.True(sof > 0);
        jpeg[sof + 1] = replacement;

        var ex = Assert.Throws<InvalidImageException>(() => ImageLoader.Identify(jpeg));
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        Assert.Throws<InvalidImageException>(() => ImageLoader.LoadRgb(jpeg).Dispose());
    }

    [Fact]
    public async Task ReadAllBytes_Fifo_IsRefusedWithoutOpening()
    {
        using var dir = new TempDirectory();
        string fifo = dir.Combine("x.jpg");
        using (var p = System.Diagnostics.Process.Start("mkfifo", fifo))
        {
            p.WaitForExit();
        }

        // Before the fix, reading the FIFO blocked forever (no writer).
        Task<byte[]> read = Task.Run(() => ImageFile.ReadAllBytes(fifo), TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<InvalidImageException>(() => read.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void ReadAllBytes_LinkToDevZero_IsRefused()
    {
        using var dir = new TempDirectory();
        string link = dir.Combine("z.jpg");
        File.CreateSymbolicLink(link, "/dev/zero");
        Assert.Throws<InvalidImageException>(() => ImageFile.ReadAllBytes(link));
    }

    [Fact]
    public void ReadAllBytes_LinkToAFile_ReadsTheTarget()
    {
        using var dir = new TempDirectory();
        byte[] png = TestImages.Png(10, 10, 1);
        File.WriteAllBytes(dir.Combine("a.png"), png);
        File.CreateSymbolicLink(dir.Combine("b.png"), dir.Combine("a.png"));
        Assert.Equal(png, ImageFile.ReadAllBytes(dir.Combine("b.png")));
    }
}
