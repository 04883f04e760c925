using AgentRetrieval.Agent;

namespace AgentRetrieval.Tests.Agent;

public sealed class SearchSessionTests
{
    [Fact]
    public void ClearFeedback_AnyKind_TakesItBackAndSaysWhetherThereWasAny()
    {
        var session = new SearchSession();
        session.Like(1);
        session.Dislike(2);
        session.AddMoreLike(3);

        Assert.True(session.ClearFeedback(1));
        Assert.True(session.ClearFeedback(2));
        Assert.True(session.ClearFeedback(3));
        Assert.False(session.ClearFeedback(3));
        Assert.Empty(session.Liked);
        Assert.Empty(session.Disliked);
        Assert.Empty(session.MoreLike);
    }
}
