using System.Text.RegularExpressions;
using AgentRetrieval.Onnx.Encoders;
using AgentRetrieval.Onnx.Encoders.Tokenization;

namespace AgentRetrieval.Tests.Encoders.Tokenization;

/// <summary>Each tokenizer.json component alone, on inputs chosen to show the reference's rules.</summary>
public sealed class TokenizerComponentTests
{
    [Theory]
    [InlineData("Removed", "a|b|c")]
    [InlineData("Isolated", "a|-|b|-|-|c")]
    [InlineData("MergedWithPrevious", "a-|b-|-|c")]
    [InlineData("MergedWithNext", "a|-b|-|-c")]
    [InlineData("Contiguous", "a|-|b|--|c")]
    public void Split_EachBehavior_AsTheReference(string behavior, string expected)
    {
        var pieces = new List<string>();
        SplitPreTokenizer.Split("a-b--c", new Regex("-"), Enum.Parse<SplitBehavior>(behavior), invert: false, pieces);

        Assert.Equal(expected, string.Join("|", pieces));
    }

    [Theory]
    [InlineData("always", true, "▁hello|▁world")]
    [InlineData("always", false, "▁hello|▁world")]
    [InlineData("first", true, "▁hello|▁world")]
    [InlineData("first", false, "hello|▁world")]
    [InlineData("never", true, "hello|▁world")]
    public void Metaspace_PrependScheme_AsTheReference(string scheme, bool first, string expected)
    {
        var metaspace = new MetaspacePreTokenizer("▁", scheme, split: true);

        Assert.Equal(expected, string.Join("|", metaspace.PreTokenize(["hello world"], first)));
    }

    [Fact]
    public void Bpe_ByteFallbackAndFusedUnknowns_AsTheReference()
    {
        var vocab = new Dictionary<string, int> { ["<unk>"] = 0, ["a"] = 1, ["b"] = 2, ["ab"] = 3, ["<0xC3>"] = 4, ["<0xA9>"] = 5 };
        var withFallback = new BpeModel(vocab, [("a", "b")], "<unk>", null, null, byteFallback: true, fuseUnk: true, ignoreMerges: false);
        var fused = new BpeModel(vocab, [("a", "b")], "<unk>", null, null, byteFallback: false, fuseUnk: true, ignoreMerges: false);
        var unfused = new BpeModel(vocab, [("a", "b")], "<unk>", null, null, byteFallback: false, fuseUnk: false, ignoreMerges: false);

        Assert.Equal([3, 4, 5, 1], Tokenize(withFallback, "abéa"));
        Assert.Equal([3, 0, 1], Tokenize(fused, "abééa"));
        Assert.Equal([3, 0, 0, 1], Tokenize(unfused, "abééa"));
    }

    [Fact]
    public void Bpe_MergesApplyLowestRankFirstLeftmostAmongEquals()
    {
        var vocab = new Dictionary<string, int> { ["a"] = 0, ["b"] = 1, ["aa"] = 2, ["ab"] = 3, ["aab"] = 4 };
        // Rank 0 is (a, b): "aab" becomes a + ab, never aa + b, and (a, ab) is not a merge.
        var model = new BpeModel(vocab, [("a", "b"), ("a", "a"), ("aa", "b")], null, null, null, false, false, false);

        Assert.Equal([0, 3], Tokenize(model, "aab"));
        Assert.Equal([2, 2], Tokenize(model, "aaaa"));
    }

    [Fact]
    public void Unigram_ViterbiBestPathWithFusedUnknowns()
    {
        var model = new UnigramModel([("<unk>", 0), ("▁a", -1), ("▁", -2), ("a", -2), ("b", -3), ("ab", -2.5)], unkId: 0, byteFallback: false);

        // ▁a + b (-4) beats ▁ + ab (-4.5); two unknown characters become one unknown piece.
        Assert.Equal([1, 4], Tokenize(model, "▁ab"));
        Assert.Equal([1, 0, 3], Tokenize(model, "▁a€€a"));
    }

    [Theory]
    [InlineData("ΟΔΟΣ ΣΑΣ", "οδος σας")]
    [InlineData("Σ", "σ")]
    [InlineData("İstanbul", "i\u0307stanbul")]
    [InlineData("ẞ", "ß")]
    public void CanonicalLowercase_FollowsPythonsLower(string text, string expected)
    {
        Assert.Equal(expected, TextCleaning.Apply(text, TextCleaningMode.Canonicalize));
    }

    [Fact]
    public void Whitespace_PythonSpaceSet_IncludesTheSeparatorControls()
    {
        Assert.Equal("a b c d", TextCleaning.Apply("\u001c a\u00a0b\u3000\u2028c\u001fd  ", TextCleaningMode.Whitespace));
        Assert.Equal("a\u200bb", TextCleaning.Apply("a\u200bb", TextCleaningMode.Whitespace));
    }

    [Fact]
    public void Lowercase_PerCharacterWithoutFinalSigma()
    {
        Assert.Equal("σσ i\u0307", new LowercaseNormalizer().Normalize("ΣΣ İ"));
    }

    [Fact]
    public void AddedTokens_RawAndNormalized_AreSplitOffWhereTheReferenceSplitsThem()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("tokenizer.json");
        File.WriteAllText(path, """
        {
          "added_tokens": [
            {"id": 5, "content": "<X>", "lstrip": false, "rstrip": false, "normalized": false, "special": true},
            {"id": 6, "content": "yy", "lstrip": false, "rstrip": false, "normalized": true, "special": false}
          ],
          "normalizer": {"type": "Lowercase"},
          "pre_tokenizer": {"type": "WhitespaceSplit"},
          "post_processor": null,
          "model": {"type": "BPE", "vocab": {"<unk>": 0, "a": 1, "x": 2, "y": 3}, "merges": [], "unk_token": "<unk>"}
        }
        """);
        HfTokenizer tokenizer = HfTokenizer.FromFile(path);

        // "<X>" is matched before lower-casing ("<x>" is not it); "YY" lower-cases to the added "yy".
        Assert.Equal([1, 5, 1, 6, 1], tokenizer.Encode("a<X>aYYa").Ids);
        Assert.Equal([0, 2, 0, 1], tokenizer.Encode("<x>a").Ids);
    }

    private static int[] Tokenize(ITokenModel model, string piece)
    {
        var ids = new List<int>();
        model.Tokenize(piece, ids);
        return [.. ids];
    }
}
