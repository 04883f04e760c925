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

    public INextTokenScorer? Scorer { get; } = chat.GetService(typeof(INextTokenScorer)) as INextTokenScorer;

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
