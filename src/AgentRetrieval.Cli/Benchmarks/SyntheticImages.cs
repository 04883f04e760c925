using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace AgentRetrieval.Cli.Benchmarks;

/// <summary>Photo-sized JPEGs with smooth gradients and noise, for measuring decode + preprocess + encode.</summary>
internal static class SyntheticImages
{
    public static string Create(int count, int width = 1024, int height = 768)
    {
        string dir = Path.Combine(Path.GetTempPath(), "agentretrieval-bench-images-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        Parallel.For(0, count, i =>
        {
            var rng = new Random(i);
            using var image = new Image<Rgb24>(width, height);
            int a = rng.Next(256), b = rng.Next(256), c = rng.Next(256);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    image[x, y] = new Rgb24((byte)((a + (x / 4) + rng.Next(24)) & 255), (byte)((b + (y / 3) + rng.Next(24)) & 255), (byte)((c + ((x + y) / 8)) & 255));
                }
            }

            image.SaveAsJpeg(Path.Combine(dir, $"synthetic-{i:D3}.jpg"));
        });
        return dir;
    }
}
