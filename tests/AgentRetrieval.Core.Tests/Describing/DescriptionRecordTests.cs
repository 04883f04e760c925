using AgentRetrieval.Describing;

namespace AgentRetrieval.Tests.Describing;

/// <summary>The description record's schema: what a model's answer must be to count as structured.</summary>
public sealed class DescriptionRecordTests
{
    [Fact]
    public void TryParse_FencedJsonWithAllFields_ReadsEveryField()
    {
        string answer = "Here it is:\n```json\n{\"description\": \"A red bus on a wet street at night.\", \"objects\": [\"bus\", \"street\", \"Bus\"], \"visible_text\": [\"42 CENTRE\"], \"tags\": \"night\"}\n```";

        Assert.True(DescriptionRecord.TryParse(answer, out DescriptionRecord r, out string error), error);

        Assert.Equal("A red bus on a wet street at night.", r.Description);
        Assert.Equal(["bus", "street"], r.Objects);
        Assert.Equal(["42 CENTRE"], r.VisibleText);
        Assert.Equal(["night"], r.Tags);
        Assert.True(r.Structured);
        Assert.Equal("A red bus on a wet street at night.\nbus, street\n42 CENTRE\nnight", r.SearchText());
        Assert.Equal(r, DescriptionRecord.FromStored(r.ToJson()) with { Objects = r.Objects, VisibleText = r.VisibleText, Tags = r.Tags });
        Assert.Equal(r.SearchText(), DescriptionRecord.FromStored(r.ToJson()).SearchText());
    }

    [Theory]
    [InlineData("A cat on a sofa.", "no JSON object")]
    [InlineData("{\"objects\": [\"cat\"]}", "description")]
    [InlineData("{\"description\": \"   \"}", "description")]
    [InlineData("{\"description\": \"a cat\", \"tags\": [1, 2]}", "tags")]
    [InlineData("{\"description\": \"a cat\", ", "no JSON object")]
    [InlineData("{\"description\": \"a cat\" \"tags\": []}", "not valid")]
    public void TryParse_InvalidAnswer_SaysWhy(string answer, string why)
    {
        Assert.False(DescriptionRecord.TryParse(answer, out _, out string error));
        Assert.Contains(why, error);
    }

    [Fact]
    public void TryParse_HostileSizes_AreCut()
    {
        string longText = new('x', 5000);
        string items = string.Join(",", Enumerable.Range(0, 100).Select(i => $"\"item{i}\""));
        Assert.True(DescriptionRecord.TryParse($"{{\"description\": \"{longText}\\u0007\", \"objects\": [{items}]}}", out DescriptionRecord r, out _));

        Assert.Equal(DescriptionRecord.MaxDescriptionCharacters, r.Description.Length);
        Assert.Equal(DescriptionRecord.MaxItems, r.Objects.Count);
        Assert.DoesNotContain(r.Description, char.IsControl);
    }

    [Fact]
    public void Plain_ModelTextKeptAsUnstructuredDescription()
    {
        DescriptionRecord r = DescriptionRecord.Plain("A dog\nin snow.");

        Assert.False(r.Structured);
        Assert.Equal("A dog in snow.", r.Description);
    }
}
