namespace AgentRetrieval.Tests;

/// <summary>Screenshots of the page, attached to the test results and kept in TestResults/screenshots to look at.</summary>
internal static class Screenshots
{
    public static string Folder { get; } = Path.Combine(SharedFixtures.RepositoryRoot, "TestResults", "screenshots");

    public static void Save(string name, byte[] png)
    {
        Directory.CreateDirectory(Folder);
        File.WriteAllBytes(Path.Combine(Folder, name), png);
        TestContext.Current.AddAttachment(name, png, "image/png");
    }
}
