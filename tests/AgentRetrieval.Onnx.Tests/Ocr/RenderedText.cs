using System.Diagnostics;

namespace AgentRetrieval.Tests.Ocr;

/// <summary>Renders text into images with ImageMagick and DejaVu fonts (Debian packages that .ci/run installs).</summary>
internal static class RenderedText
{
    public const string Convert = "/usr/bin/convert";

    public static void RequireTools()
    {
        bool present = File.Exists(Convert) && Directory.Exists("/usr/share/fonts/truetype/dejavu");
        if (!present)
        {
            const string message = "Rendering text images needs ImageMagick (/usr/bin/convert) and fonts-dejavu; .ci/run installs them.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
        }
    }

    /// <summary>Runs convert with the arguments; returns the output file.</summary>
    public static string Render(string output, params string[] args)
    {
        var psi = new ProcessStartInfo(Convert) { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.ArgumentList.Add(output);
        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0 && File.Exists(output), $"convert failed: {err}");
        return output;
    }

    /// <summary>Character error rate: edit distance / reference length (case-insensitive, spaces folded).</summary>
    public static double CharacterErrorRate(string reference, string hypothesis)
    {
        string r = Fold(reference), h = Fold(hypothesis);
        int[,] d = new int[r.Length + 1, h.Length + 1];
        for (int i = 0; i <= r.Length; i++)
        {
            d[i, 0] = i;
        }

        for (int j = 0; j <= h.Length; j++)
        {
            d[0, j] = j;
        }

        for (int i = 1; i <= r.Length; i++)
        {
            for (int j = 1; j <= h.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (r[i - 1] == h[j - 1] ? 0 : 1));
            }
        }

        return r.Length == 0 ? (h.Length == 0 ? 0 : 1) : d[r.Length, h.Length] / (double)r.Length;
    }

    private static string Fold(string s) => string.Join(' ', s.ToUpperInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
