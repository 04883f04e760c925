using AgentRetrieval.Metadata;

namespace AgentRetrieval.Tests.Metadata;

public sealed class GazetteerTests
{
    private static readonly Lazy<Gazetteer> s_gazetteer = new(() => Gazetteer.Load(SharedFixtures.RequireRegistryData("gazetteer/cities.pbf")));

    [Theory]
    [InlineData(38.7223, -9.1393, "Lisbon", "PT", "Portugal")]
    [InlineData(35.6762, 139.6503, "Tokyo", "JP", "Japan")]
    [InlineData(-33.8688, 151.2093, "Sydney", "AU", "Australia")]
    [InlineData(40.7580, -73.9855, "Manhattan", "US", "United States")]
    [InlineData(51.4543, -0.9781, "Reading", "GB", "United Kingdom")]
    public void ReverseGeocode_CityCentre_GivesTheCity(double lat, double lon, string city, string code, string country)
    {
        Place? place = s_gazetteer.Value.ReverseGeocode(lat, lon);
        Assert.NotNull(place);
        Assert.Equal(city, place.City);
        Assert.Equal(code, place.CountryCode);
        Assert.Equal(country, place.Country);
    }

    [Fact]
    public void ReverseGeocode_OpenSea_GivesNothing()
    {
        Assert.Null(s_gazetteer.Value.ReverseGeocode(0.5, -30.0));
    }

    [Fact]
    public void ReverseGeocode_FarFromAnyCity_GivesOnlyTheCountry()
    {
        // Central Australian outback: no town of 1,000 people within 30 km.
        Place? place = s_gazetteer.Value.ReverseGeocode(-24.5, 131.5);
        Assert.NotNull(place);
        Assert.Null(place.City);
        Assert.Equal("AU", place.CountryCode);
    }

    [Fact]
    public void Load_NotAGazetteerFile_SaysSo()
    {
        string path = Path.GetTempFileName();
        File.WriteAllBytes(path, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]);
        try
        {
            Assert.Throws<InvalidDataException>(() => Gazetteer.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("USA", "US")]
    [InlineData("the Netherlands", "NL")]
    [InlineData("Côte d'Ivoire", "CI")]
    [InlineData("japan", "JP")]
    public void CountryNames_AliasesAndNames_GiveTheCode(string name, string code) => Assert.Equal(code, CountryNames.CodeOf(name));
}
