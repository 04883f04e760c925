using Microsoft.Extensions.AI;

namespace AgentRetrieval.Agent;

/// <summary>
/// Reads the model's probabilities for the next token, for scoring (for example P("Yes") for an image-match question)
/// without parsing generated text. Chat clients that run a model in-process expose it through
/// <see cref="IChatClient.GetService(Type, object?)"/>.
/// </summary>
public interface INextTokenScorer
{
    /// <summary>
    /// The probability of each candidate word being the model's next output after <paramref name="messages"/>,
    /// renormalised over the candidates (each candidate counts with its capitalised and spaced variants).
    /// </summary>
    /// <param name="messages">The prompt, images included.</param>
    /// <param name="candidates">Words such as "Yes" and "No", or "1" … "4".</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>One probability per candidate; they sum to 1.</returns>
    Task<IReadOnlyList<double>> ScoreNextTokenAsync(IEnumerable<ChatMessage> messages, IReadOnlyList<string> candidates, CancellationToken cancellationToken = default);
}
