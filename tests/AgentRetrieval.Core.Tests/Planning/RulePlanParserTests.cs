using AgentRetrieval.Metadata;
using AgentRetrieval.Planning;

namespace AgentRetrieval.Tests.Planning;

public sealed class RulePlanParserTests
{
    private static readonly Lazy<Gazetteer> s_gazetteer = new(() => Gazetteer.Load(SharedFixtures.RequireRegistryData("gazetteer/cities.pbf")));

    internal static string CasesPath => Path.Combine(AppContext.BaseDirectory, "Planning", "plan-cases.json");

    [Fact]
    public void Parse_LabelledRequests_GiveTheExpectedPlans()
    {
        PlanCaseSet set = PlanCaseSet.Load(CasesPath, s_gazetteer.Value);
        Assert.True(set.Cases.Count >= 100, $"the labelled set has {set.Cases.Count} requests");
        IReadOnlyList<PlanCaseResult> results = set.Run(RulePlanParser.Parse);
        string[] failures = [.. results.Where(r => !r.Passed).Select(r => $"\"{r.Case.Request}\" → {r.Plan?.Describe()}: {string.Join("; ", r.Differences)}")];
        Assert.True(failures.Length == 0, $"{failures.Length} of {results.Count} plans differ:\n" + string.Join('\n', failures));
    }

    [Fact]
    public void Parse_NotAtNight_IsANegativeTermAndNotPartOfTheQuery()
    {
        SearchPlan plan = RulePlanParser.Parse("beach photos, not at night", PlanContext.Empty(TimeProvider.System));
        Assert.Equal(["night"], plan.NegativeTerms);
        Assert.DoesNotContain("night", plan.VisualQuery, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Parse_RelativeDates_FollowTheInjectedClock()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2021, 4, 10, 12, 0, 0, TimeSpan.Zero));
        SearchPlan plan = RulePlanParser.Parse("photos from yesterday", PlanContext.Empty(clock));
        Assert.Equal(new DateOnly(2021, 4, 9), plan.Date!.From);
        Assert.Equal(new DateOnly(2021, 4, 9), plan.Date.To);

        plan = RulePlanParser.Parse("last summer", PlanContext.Empty(clock));
        Assert.Equal(new DateOnly(2020, 6, 1), plan.Date!.From);
        Assert.Equal(new DateOnly(2020, 8, 31), plan.Date.To);
    }

    [Fact]
    public void Parse_PlaceOnlyInGazetteerAndAnOrdinaryWord_IsNotAPlace()
    {
        var context = new PlanContext(new DateOnly(2026, 1, 1), [], [], s_gazetteer.Value);
        SearchPlan plan = RulePlanParser.Parse("a dog in Reading", context);
        Assert.Null(plan.Place);
        Assert.Contains("Reading", plan.VisualQuery, StringComparison.Ordinal);

        plan = RulePlanParser.Parse("canals in Amsterdam", context);
        Assert.Equal("gazetteer", plan.Place!.Source);
        Assert.Equal("NL", plan.Place.Places[0].CountryCode);
    }

    [Fact]
    public void SeasonFilter_SouthernHemisphere_UsesItsOwnMonths()
    {
        SearchPlan plan = RulePlanParser.Parse("summer 2019", PlanContext.Empty(TimeProvider.System));
        DateFilter d = plan.Date!;
        Assert.True(d.Matches(new DateTime(2019, 7, 15), latitude: 48.8));
        Assert.False(d.Matches(new DateTime(2019, 7, 15), latitude: -33.9));
        Assert.True(d.Matches(new DateTime(2020, 1, 15), latitude: -33.9));
        Assert.False(d.Matches(new DateTime(2020, 1, 15), latitude: 48.8));
        Assert.True(d.Matches(new DateTime(2019, 7, 15), latitude: null));
    }
}
