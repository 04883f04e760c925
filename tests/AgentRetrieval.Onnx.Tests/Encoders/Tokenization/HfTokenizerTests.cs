using System.Text.Json;
using AgentRetrieval.Onnx.Encoders;
using AgentRetrieval.Onnx.Encoders.Tokenization;

namespace AgentRetrieval.Tests.Encoders.Tokenization;

/// <summary>The tokenizer.json tokenizer against every reference id of the four fixtures.</summary>
public sealed class HfTokenizerTests
{
    public static TheoryData<int> Indices() => [.. Enumerable.Range(0, 19)];

    [Theory]
    [MemberData(nameof(Indices))]
    public void Encode_SiglipTiny_MatchesTransformersIdsPaddedTo64(int index)
    {
        HfTokenizer tokenizer = HfTokenizer.FromFile(Path.Combine(SharedFixtures.SiglipTiny, "tokenizer.json")).WithLength(64, 64, 0);
        JsonElement entry = ReferenceData.LoadFrom(SharedFixtures.SiglipTiny).GetProperty("text")[index];

        Assert.Equal(ReferenceData.Ints(entry.GetProperty("ids_padded64")), tokenizer.Encode(entry.GetProperty("text").GetString()).Ids);
        Assert.Equal(ReferenceData.Ints(entry.GetProperty("canonical_ids_padded64")), tokenizer.Encode(entry.GetProperty("canonical").GetString()).Ids);
        Assert.Equal(entry.GetProperty("canonical").GetString(), TextCleaning.Apply(entry.GetProperty("text").GetString()!, TextCleaningMode.Canonicalize));
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void Encode_SiglipTinyUnpadded_MatchesTransformersIds(int index)
    {
        HfTokenizer tokenizer = HfTokenizer.FromFile(Path.Combine(SharedFixtures.SiglipTiny, "tokenizer.json"));
        JsonElement entry = ReferenceData.LoadFrom(SharedFixtures.SiglipTiny).GetProperty("text")[index];
        int[] expected = ReferenceData.Ints(entry.GetProperty("ids_unpadded"));

        int[] actual = tokenizer.Encode(entry.GetProperty("text").GetString()).Ids;

        // The reference's unpadded ids are truncated to 64 as well.
        Assert.Equal(expected, actual.Length > 64 ? [.. actual[..63], actual[^1]] : actual);
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void Encode_SiglipImmich_MatchesImmichIds(int index)
    {
        HfTokenizer tokenizer = HfTokenizer.FromFile(Path.Combine(SharedFixtures.SiglipImmichTiny, "textual", "tokenizer.json")).WithLength(64, 64, 0);
        JsonElement entry = ReferenceData.LoadFrom(SharedFixtures.SiglipImmichTiny).GetProperty("text")[index];
        string cleaned = TextCleaning.Apply(entry.GetProperty("text").GetString()!, TextCleaningMode.Canonicalize);

        Assert.Equal(entry.GetProperty("cleaned").GetString(), cleaned);
        Assert.Equal(ReferenceData.Ints(entry.GetProperty("ids")), tokenizer.Encode(cleaned).Ids);
    }

    [Theory]
    [MemberData(nameof(Indices))]
    public void Encode_MClip_MatchesImmichIdsAndMask(int index)
    {
        HfTokenizer tokenizer = HfTokenizer.FromFile(Path.Combine(SharedFixtures.MClipTiny, "textual", "tokenizer.json")).WithLength(77, 77, 1);
        JsonElement entry = ReferenceData.LoadFrom(SharedFixtures.MClipTiny).GetProperty("text")[index];
        string cleaned = TextCleaning.Apply(entry.GetProperty("text").GetString()!, TextCleaningMode.Whitespace);

        TokenizedText tokens = tokenizer.Encode(cleaned);

        Assert.Equal(entry.GetProperty("cleaned").GetString(), cleaned);
        Assert.Equal(ReferenceData.Ints(entry.GetProperty("ids")), tokens.Ids);
        Assert.Equal(ReferenceData.Ints(entry.GetProperty("attention_mask")), tokens.AttentionMask);
    }

    [Fact]
    public void Encode_ClipTinyTokenizerJson_MatchesClipReferenceIds()
    {
        // CLIP's byte-level BPE (Split, ByteLevel, end-of-word suffix, RobertaProcessing) through the same components.
        HfTokenizer tokenizer = HfTokenizer.FromFile(Path.Combine(SharedFixtures.ClipTiny, "tokenizer.json")).WithLength(77, null);
        foreach (JsonElement entry in ReferenceData.Load().GetProperty("text").EnumerateArray())
        {
            Assert.Equal(ReferenceData.Ints(entry.GetProperty("ids")), tokenizer.Encode(entry.GetProperty("text").GetString()).Ids);
        }
    }

    [Fact]
    public void Encode_LongText_TruncationKeepsTheTemplatesSpecialTokens()
    {
        HfTokenizer tokenizer = HfTokenizer.FromFile(Path.Combine(SharedFixtures.MClipTiny, "textual", "tokenizer.json")).WithLength(77, 77, 1);
        TokenizedText tokens = tokenizer.Encode(string.Concat(Enumerable.Repeat("a dog on the beach ", 100)));

        Assert.Equal(77, tokens.Ids.Length);
        Assert.True(tokens.Truncated);
        Assert.Equal(0, tokens.Ids[0]);
        Assert.Equal(2, tokens.Ids[^1]);
        Assert.All(tokens.AttentionMask, m => Assert.Equal(1, m));
    }

    [Fact]
    public void FromFile_UnknownComponent_SaysWhichOne()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("tokenizer.json");
        File.WriteAllText(path, """{"model":{"type":"WordPiece","vocab":{}},"normalizer":null}""");

        var ex = Assert.Throws<InvalidDataException>(() => HfTokenizer.FromFile(path));

        Assert.Contains("WordPiece", ex.Message, StringComparison.Ordinal);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":{"type":"BPE","vocab":{"a":0},"merges":[["a"]]}}""")]
    [InlineData("""{"model":{"type":"Unigram","vocab":[["a"]],"unk_id":0}}""")]
    [InlineData("""{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"normalizer":{"type":"Precompiled","precompiled_charsmap":"!!"}}""")]
    [InlineData("""{"model":{"type":"BPE","vocab":{"a":0},"merges":[]},"normalizer":{"type":"Precompiled","precompiled_charsmap":"AAAA"}}""")]
    [InlineData("""{"model":{"type":"Unigram","vocab":[["a",0.0]],"unk_id":7}}""")]
    public void FromFile_MalformedComponents_ClearErrorNamingTheFile(string json)
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("tokenizer.json");
        File.WriteAllText(path, json);

        var ex = Assert.Throws<InvalidDataException>(() => HfTokenizer.FromFile(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }
}
