using System.Text.Json;
using AgentRetrieval.Onnx.Clip;

namespace AgentRetrieval.Tests.Clip;

public sealed class ClipTokenizerTests
{
    private static readonly Lazy<ClipTokenizer> s_tokenizer = new(() => ClipTokenizer.FromDirectory(SharedFixtures.ClipTiny));

    public static TheoryData<int> ReferenceIndices() => [.. Enumerable.Range(0, 15)];

    [Theory]
    [MemberData(nameof(ReferenceIndices))]
    public void Encode_ReferenceString_MatchesEveryReferenceId(int index)
    {
        JsonElement entry = ReferenceData.Load().GetProperty("text")[index];
        int[] expected = ReferenceData.Ints(entry.GetProperty("ids"));

        int[] actual = s_tokenizer.Value.Encode(entry.GetProperty("text").GetString());

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void FromDirectory_TokenizerJsonOnly_GivesSameIdsAsVocabAndMerges()
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(SharedFixtures.ClipTiny, "tokenizer.json"), dir.Combine("tokenizer.json"));
        ClipTokenizer fromJson = ClipTokenizer.FromDirectory(dir.Path);
        foreach (JsonElement entry in ReferenceData.Load().GetProperty("text").EnumerateArray())
        {
            Assert.Equal(ReferenceData.Ints(entry.GetProperty("ids")), fromJson.Encode(entry.GetProperty("text").GetString()));
        }
    }

    [Fact]
    public void Encode_VeryLongInput_KeepsEndOfTextLastAndAtMost77()
    {
        string text = string.Concat(Enumerable.Repeat("a photo of a dog on the beach ", 200));

        int[] ids = s_tokenizer.Value.Encode(text);

        Assert.Equal(77, ids.Length);
        Assert.Equal(s_tokenizer.Value.StartOfTextId, ids[0]);
        Assert.Equal(s_tokenizer.Value.EndOfTextId, ids[^1]);
        Assert.DoesNotContain(s_tokenizer.Value.EndOfTextId, ids[..^1]);
        Assert.True(s_tokenizer.Value.CountContentTokens(text) > 75);
    }

    [Theory]
    [InlineData("fish &amp; chips", new[] { "fish", "&", "amp", ";", "chips" })]
    [InlineData("don't", new[] { "don", "'t" })]
    [InlineData("x!'s", new[] { "x", "!'", "s" })]
    [InlineData("ｆｕｌｌ－ｗｉｄｔｈ", new[] { "ｆｕｌｌ", "－", "ｗｉｄｔｈ" })]
    [InlineData("שלום עולם", new[] { "שלום", "עולם" })]
    [InlineData("12ab", new[] { "1", "2", "ab" })]
    [InlineData("𝐀𝐁c", new[] { "𝐀𝐁c" })]
    [InlineData("a<|ENDOFTEXT|>b", new[] { "a", "<|endoftext|>", "b" })]
    [InlineData("x<|foo|>", new[] { "x", "<|", "foo", "|>" })]
    public void PreTokenize_FollowsClipSplitPattern(string text, string[] expected)
    {
        Assert.Equal(expected, ClipTokenizer.PreTokenize(ClipTokenizer.Normalize(text)));
    }

    [Theory]
    [InlineData("e\u0301", "\u00e9")]
    [InlineData("A\t\n  B", "a b")]
    [InlineData("  lead", " lead")]
    public void Normalize_NfcCollapsesWhitespaceAndLowercases(string input, string expected)
    {
        Assert.Equal(expected, ClipTokenizer.Normalize(input));
    }

    [Theory]
    [InlineData("👨‍👩‍👧‍👦 family")]
    [InlineData("مرحبا بالعالم")]
    [InlineData("नमस्ते दुनिया")]
    [InlineData("z\u0335\u0336a\u0337lgo")]
    [InlineData("\u0000\u0001 control")]
    [InlineData("\ud800 lone surrogate")]
    public void Encode_AnyText_GivesValidIdsWithinVocabulary(string text)
    {
        int[] ids = s_tokenizer.Value.Encode(text);

        Assert.InRange(ids.Length, 3, 77);
        Assert.All(ids, id => Assert.InRange(id, 0, s_tokenizer.Value.VocabularySize - 1));
        Assert.Equal(s_tokenizer.Value.EndOfTextId, ids[^1]);
    }

    [Fact]
    public void Encode_SpecialTokenInText_IsTheSpecialId()
    {
        int[] ids = s_tokenizer.Value.Encode("a<|endoftext|>b");

        Assert.Equal([49406, 320, 49407, 321, 49407], ids);
    }
}
