using System.Diagnostics;
using System.Text.Json;
using AgentRetrieval.Onnx.Encoders.Tokenization;

namespace AgentRetrieval.Tests.Encoders.Tokenization;

/// <summary>
/// Differential test against the reference itself: Hugging Face's Rust tokenizers (0.22, through the npm package
/// @anush008/tokenizers, which .ci/run installs into .agentretrieval/test-npm) tokenizes 94 strings beyond the fixtures'
/// with each fixture's tokenizer.json, and every id must be the same.
/// </summary>
public sealed class ReferenceTokenizerOracleTests
{
    public static TheoryData<string> Files() =>
        ["siglip-tiny/tokenizer.json", "siglip-immich-tiny/textual/tokenizer.json", "mclip-tiny/textual/tokenizer.json", "clip-tiny/tokenizer.json"];

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Encode_ManyScriptsAndOddInputs_SameIdsAsTheRustReference(string relative)
    {
        string tokenizerPath = Path.Combine(SharedFixtures.Require("fixtures"), relative);
        string module = Path.Combine(SharedFixtures.RepositoryRoot, ".agentretrieval", "test-npm", "node_modules", "@anush008", "tokenizers");
        if (!Directory.Exists(module))
        {
            string message = $"This test needs the reference tokenizers in {module}: run 'npm install --prefix .agentretrieval/test-npm @anush008/tokenizers@0.6.0' (.ci/run does).";
            Assert.SkipWhen(!string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), message);
            Assert.Fail(message + " In CI it must be present.");
        }

        var psi = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Encoders", "Tokenization", "oracle.js"));
        psi.ArgumentList.Add(module);
        psi.ArgumentList.Add(tokenizerPath);
        using Process node = Process.Start(psi)!;
        Task<string> stdout = node.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        string stderr = await node.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await node.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(node.ExitCode == 0, stderr);
        using JsonDocument reference = JsonDocument.Parse(await stdout);
        HfTokenizer tokenizer = HfTokenizer.FromFile(tokenizerPath);

        var mismatches = new List<string>();
        int count = 0;
        foreach (JsonElement entry in reference.RootElement.GetProperty(tokenizerPath).EnumerateArray())
        {
            count++;
            string text = entry.GetProperty("text").GetString()!;
            int[] expected = ReferenceData.Ints(entry.GetProperty("ids"));
            int[] actual = tokenizer.Encode(text).Ids;
            if (!expected.SequenceEqual(actual))
            {
                mismatches.Add($"'{text}': reference [{string.Join(",", expected)}], ours [{string.Join(",", actual)}]");
            }
        }

        Assert.True(count >= 90, $"the reference gave {count} strings");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }
}
