using System.Globalization;
using System.Text;
using AgentRetrieval.Metadata;

namespace AgentRetrieval.Tests.Metadata;

public sealed class CountryNamesTests
{
    [Theory]
    [InlineData("  The Hague ", "hague")]
    [InlineData("São Paulo", "sao paulo")]
    [InlineData("Zürich", "zurich")]
    [InlineData("Saint-Étienne", "saint etienne")]
    [InlineData("L'Aquila", "laquila")]
    [InlineData("St. Petersburg", "st petersburg")]
    [InlineData("Ho_Chi   Minh\tCity", "ho chi minh city")]
    [InlineData("Côte d’Ivoire", "cote divoire")]
    [InlineData("東京", "東京")]
    [InlineData("-Oslo-", "oslo")]
    [InlineData("", "")]
    [InlineData("the", "the")]
    public void Normalize_NamesAsTyped_LowerCaseWithoutAccentsPunctuationOrLeadingThe(string name, string expected)
    {
        Assert.Equal(expected, CountryNames.Normalize(name));
        Assert.Equal(Reference(name), CountryNames.Normalize(name));
    }

    [Fact]
    public void Normalize_RandomMixedText_SameAsTheCharacterByCharacterDefinition()
    {
        // Long strings (past the stack buffer) and every kind of character the names hold.
        var random = new Random(3);
        string alphabet = "abcXYZ -_.'’éüñÅßØçČ東京\u0301\u00A0\t";
        for (int i = 0; i < 2_000; i++)
        {
            string text = new([.. Enumerable.Range(0, random.Next(0, i % 50 == 0 ? 600 : 30)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            Assert.Equal(Reference(text), CountryNames.Normalize(text));
        }
    }

    /// <summary>The definition, written plainly: decompose, drop marks and punctuation, fold separators to one space.</summary>
    private static string Reference(string text)
    {
        string decomposed = text.Trim().Normalize(NormalizationForm.FormD);
        var sb = new StringBuilder();
        bool space = false;
        foreach (char c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsWhiteSpace(c) || c is '-' or '_')
            {
                space = sb.Length > 0;
                continue;
            }

            if (c is '.' or '\'' or '’')
            {
                continue;
            }

            if (space)
            {
                sb.Append(' ');
                space = false;
            }

            sb.Append(char.ToLowerInvariant(c));
        }

        string s = sb.ToString();
        return s.StartsWith("the ", StringComparison.Ordinal) ? s[4..] : s;
    }
}
