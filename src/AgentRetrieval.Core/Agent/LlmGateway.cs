using System.Text;
using AgentRetrieval.Resilience;
using Microsoft.Extensions.AI;
using Polly;

namespace AgentRetrieval.Agent;

/// <summary>The agent's calls to the multimodal LLM, each through the resilience pipeline and under the turn's token.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The wrapper does not own the caller's client: disposing it would dispose that client.")]
internal sealed class LlmGateway(IChatClient chat, ResiliencePipeline pipeline, AgentOptions options)
{
    private readonly ResilientChatClient _resilient = new(chat, pipeline);

    private volatile bool _scorerUnavailable;

    public INextTokenScorer? Scorer => _scorerUnavailable ? null : _scorer;

    private readonly INextTokenScorer? _scorer = chat.GetService(typeof(INextTokenScorer)) as INextTokenScorer;

    /// <summary>How many calls the client takes at once (an OpenAI-compatible server: Llm:MaxConcurrency; in-process: 1).</summary>
    public int Concurrency { get; } = Math.Max(1, (chat.GetService(typeof(LlmConcurrency)) as LlmConcurrency)?.MaxConcurrentCalls ?? 1);

    /// <summary>
    /// P("Yes") for a yes/no question: from the next-token distribution when the client offers it (logits in-process,
    /// log-probabilities from a server), else from the answer's text (1, 0, or 0.5 when it is neither).
    /// </summary>
    public async Task<(double Probability, bool FromDistribution)> JudgeYesAsync(IList<ChatMessage> messages, CancellationToken cancellationToken)
    {
        if (Scorer is not null)
        {
            try
            {
                IReadOnlyList<double>? p = await ScoreAsync(messages, s_yesNo, cancellationToken);
                if (p is not null)
                {
                    return (p[0], true);
                }
            }
            catch (NotSupportedException)
            {
                // The server gives no log-probabilities: read the answers' text from now on.
                _scorerUnavailable = true;
            }
        }

        string answer = (await CompleteAsync(messages, cancellationToken)).TrimStart().TrimStart('*', '"', '\'');
        return (answer.StartsWith("yes", StringComparison.OrdinalIgnoreCase) ? 1.0 : answer.StartsWith("no", StringComparison.OrdinalIgnoreCase) ? 0.0 : 0.5, false);
    }

    private static readonly string[] s_yesNo = ["Yes", "No"];

    public async Task<string> CompleteAsync(IList<ChatMessage> messages, CancellationToken cancellationToken)
    {
        ChatResponse response = await _resilient.GetResponseAsync(messages, Options(), cancellationToken);
        return response.Text.Trim();
    }

    public async IAsyncEnumerable<string> StreamAsync(IList<ChatMessage> messages, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (ChatResponseUpdate update in _resilient.GetStreamingResponseAsync(messages, Options(), cancellationToken))
        {
            if (!string.IsNullOrEmpty(update.Text))
            {
                yield return update.Text;
            }
        }
    }

    /// <summary>Candidate probabilities from the logits when the client exposes them, else null.</summary>
    public async Task<IReadOnlyList<double>?> ScoreAsync(IList<ChatMessage> messages, IReadOnlyList<string> candidates, CancellationToken cancellationToken)
    {
        if (Scorer is null)
        {
            return null;
        }

        return await pipeline.ExecuteAsync(async ct => await Scorer.ScoreNextTokenAsync(messages, candidates, ct), cancellationToken);
    }

    private ChatOptions Options() => new() { MaxOutputTokens = options.MaxOutputTokens, Temperature = 0f };

    /// <summary>The first line of a model answer, without quotes or a leading label.</summary>
    public static string FirstLine(string text)
    {
        string line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        if (colon is > 0 and < 20 && line[..colon].Split(' ').Length <= 2)
        {
            line = line[(colon + 1)..];
        }

        var sb = new StringBuilder(line.Length);
        foreach (char c in line)
        {
            if (!char.IsControl(c))
            {
                sb.Append(c);
            }
        }

        return sb.ToString().Trim().Trim('"', '\'', '`', '*').Trim();
    }
}
