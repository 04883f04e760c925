namespace AgentRetrieval.Tests;

/// <summary>
/// Finds <c>../shared</c> beside the checkout. Tests that need it skip with a message when it is absent,
/// except in CI (CI=true), where its absence is a failure.
/// </summary>
public static class SharedFixtures
{
    private static readonly Lazy<string?> s_root = new(FindRoot);

    /// <summary>The <c>shared</c> folder, or null.</summary>
    public static string? Root => s_root.Value;

    /// <summary>The repository root (the folder with AgentRetrieval.sln).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string ClipTiny => Require("fixtures/clip-tiny");

    public static string SiglipTiny => Require("fixtures/siglip-tiny");

    public static string SiglipImmichTiny => Require("fixtures/siglip-immich-tiny");

    public static string MClipTiny => Require("fixtures/mclip-tiny");

    public static string GenAi => Require("fixtures/genai");

    public static string Data => Require("data");

    /// <summary>
    /// A file that the build fetches from a registry package into the output folder (the gazetteer, the OCR models), or
    /// skips the test (fails in CI) when it is missing.
    /// </summary>
    /// <param name="relative">The path under the test's output folder.</param>
    public static string RequireRegistryData(string relative)
    {
        string path = Path.Combine(AppContext.BaseDirectory, relative);
        if (!File.Exists(path))
        {
            string message = $"This test needs {relative}, which the build fetches with npm (build/RegistryData.targets); it is missing from {AppContext.BaseDirectory}.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message + " In CI it must be present.");
            }

            Assert.Skip(message);
        }

        return path;
    }

    /// <summary>
    /// A registry package tarball the build keeps in <c>.agentretrieval/registry/</c>, or skips the test (fails in CI)
    /// when it is missing.
    /// </summary>
    /// <param name="fileName">The tarball's file name.</param>
    public static string RequireRegistryPackage(string fileName)
    {
        string path = Path.Combine(RepositoryRoot, ".agentretrieval", "registry", fileName);
        if (!File.Exists(path))
        {
            string message = $"This test needs {path}, which the build fetches with npm (build/RegistryData.targets).";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message + " In CI it must be present.");
            }

            Assert.Skip(message);
        }

        return path;
    }

    /// <summary>Returns the path of a folder under shared/, or skips the test (fails in CI) when it is missing.</summary>
    public static string Require(string relative)
    {
        string? root = Root;
        string? path = root is null ? null : Path.Combine(root, relative);
        bool present = path is not null && (Directory.Exists(path) || File.Exists(path));
        if (!present)
        {
            string message = $"This test needs ../shared/{relative} beside the repository ({Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"))}), which is missing.";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(message + " In CI it must be present.");
            }

            Assert.Skip(message);
        }

        return path!;
    }

    private static string? FindRoot()
    {
        string? env = Environment.GetEnvironmentVariable("AGENTRETRIEVAL_SHARED");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
        {
            return env;
        }

        string candidate = Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared"));
        return Directory.Exists(candidate) ? candidate : null;
    }

    private static string FindRepositoryRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null)
        {
            if (File.Exists(Path.Combine(dir, "AgentRetrieval.sln")))
            {
                return dir;
            }

            dir = Path.GetDirectoryName(dir);
        }

        throw new InvalidOperationException("Cannot find AgentRetrieval.sln above " + AppContext.BaseDirectory);
    }
}
