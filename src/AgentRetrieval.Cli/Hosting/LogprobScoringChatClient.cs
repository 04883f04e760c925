using AgentRetrieval.Agent;
using Microsoft.Extensions.AI;
using OpenAI.Chat;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>
/// P("yes") from an OpenAI-compatible server's log-probabilities: one call for one token with <c>logprobs</c> and
/// <c>top_logprobs</c>, the candidates' probabilities summed over their spellings and renormalised. A server that
/// returns none makes <see cref="ScoreNextTokenAsync"/> throw <see cref="NotSupportedException"/>, and the agent reads
/// the answers' text from then on.
/// </summary>
internal sealed class LogprobScoringChatClient(IChatClient inner) : DelegatingChatClient(inner), INextTokenScorer
{
    private const int TopCount = 10;

    public async Task<IReadOnlyList<double>> ScoreNextTokenAsync(IEnumerable<ChatMessage> messages, IReadOnlyList<string> candidates, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var options = new ChatOptions
        {
            MaxOutputTokens = 1,
            Temperature = 0f,
            RawRepresentationFactory = _ => new ChatCompletionOptions { IncludeLogProbabilities = true, TopLogProbabilityCount = TopCount },
        };
        ChatResponse response = await GetResponseAsync(messages, options, cancellationToken);
        if (response.RawRepresentation is not ChatCompletion { ContentTokenLogProbabilities: { Count: > 0 } tokens })
        {
            throw new NotSupportedException("The server returned no log-probabilities.");
        }

        double[] scores = new double[candidates.Count];
        foreach (ChatTokenTopLogProbabilityDetails top in tokens[0].TopLogProbabilities)
        {
            string token = top.Token.Trim().TrimStart('▁', 'Ġ');
            for (int c = 0; c < candidates.Count; c++)
            {
                if (token.Length > 0 && string.Equals(token, candidates[c], StringComparison.OrdinalIgnoreCase))
                {
                    scores[c] += Math.Exp(top.LogProbability);
                }
            }
        }

        double sum = scores.Sum();
        return sum > 0 ? [.. scores.Select(s => s / sum)] : [.. scores.Select(_ => 1.0 / scores.Length)];
    }

    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is null && serviceType == typeof(INextTokenScorer) ? this : base.GetService(serviceType, serviceKey);
    }
}
