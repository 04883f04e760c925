using AgentRetrieval.Agent;

namespace AgentRetrieval.Tests.Agent;

public sealed class RuleBasedQueryTests
{
    [Theory]
    [InlineData("show me a red car, not blue", "a red car", new[] { "blue" })]
    [InlineData("a beach without people", "a beach", new[] { "people" })]
    [InlineData("dogs but no cats and a ball", "dogs but and a ball", new[] { "cats" })]
    [InlineData("I'm looking for a sunset", "a sunset", new string[0])]
    [InlineData("not a dark room", "", new[] { "dark room" })]
    public void Split_Negations_BecomeNegativeTerms(string message, string positive, string[] negatives)
    {
        (string p, List<string> n) = RuleBasedQuery.Split(message);

        Assert.Equal(positive, p);
        Assert.Equal(negatives, n);
    }

    [Fact]
    public void Condense_LatestRequestFirst_AssistantTurnsIgnored()
    {
        DialogueTurn[] turns =
        [
            new(DialogueRole.User, "a dog on a beach"),
            new(DialogueRole.Assistant, "Is it sand or water?"),
            new(DialogueRole.User, "in the water, not black"),
        ];

        (string query, IReadOnlyList<string> negatives) = RuleBasedQuery.Condense(turns);

        Assert.Equal("in the water, a dog on a beach", query);
        Assert.Equal(["black"], negatives);
    }
}

public sealed class RocchioTests
{
    [Fact]
    public void Apply_LikedAndDisliked_MovesTowardsAndAway()
    {
        float[] q = [1, 0, 0];

        float[] moved = Rocchio.Apply(q, [[0, 1, 0]], [[0, 0, 1]], 1, 0.75, 0.25);

        Assert.True(moved[1] > 0);
        Assert.True(moved[2] < 0);
        Assert.Equal(1.0, Math.Sqrt(moved.Sum(x => x * x)), 5);
        Assert.Equal(1 / Math.Sqrt(1 + (0.75 * 0.75) + (0.25 * 0.25)), moved[0], 5);
    }
}
