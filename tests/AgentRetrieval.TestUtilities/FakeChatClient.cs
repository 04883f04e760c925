using System.Runtime.CompilerServices;
using AgentRetrieval.Agent;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests;

/// <summary>A scripted chat client with callback properties; it can also expose next-token scores.</summary>
public sealed class FakeChatClient : IChatClient, INextTokenScorer
{
    public Func<IList<ChatMessage>, ChatOptions?, CancellationToken, Task<ChatResponse>>? ResponseCallback { get; set; }

    public Func<IList<ChatMessage>, ChatOptions?, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>>? StreamingCallback { get; set; }

    /// <summary>When set, the client exposes <see cref="INextTokenScorer"/>.</summary>
    public Func<IList<ChatMessage>, IReadOnlyList<string>, CancellationToken, Task<IReadOnlyList<double>>>? ScoreCallback { get; set; }

    public List<IList<ChatMessage>> Calls { get; } = [];

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        List<ChatMessage> list = [.. messages];
        lock (Calls)
        {
            Calls.Add(list);
        }

        if (ResponseCallback is null)
        {
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"));
        }

        return await ResponseCallback(list, options, cancellationToken);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<ChatMessage> list = [.. messages];
        lock (Calls)
        {
            Calls.Add(list);
        }

        if (StreamingCallback is not null)
        {
            await foreach (ChatResponseUpdate u in StreamingCallback(list, options, cancellationToken).WithCancellation(cancellationToken))
            {
                yield return u;
            }

            yield break;
        }

        ChatResponse r = await GetResponseAsync(list, options, cancellationToken);
        lock (Calls)
        {
            Calls.RemoveAt(Calls.Count - 1);
        }

        foreach (string word in r.Text.Split(' '))
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, word + " ");
        }
    }

    public async Task<IReadOnlyList<double>> ScoreNextTokenAsync(IEnumerable<ChatMessage> messages, IReadOnlyList<string> candidates, CancellationToken cancellationToken = default)
    {
        List<ChatMessage> list = [.. messages];
        lock (Calls)
        {
            Calls.Add(list);
        }

        return await ScoreCallback!(list, candidates, cancellationToken);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(INextTokenScorer) && ScoreCallback is null ? null : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    /// <summary>The text of all messages of a call.</summary>
    public static string TextOf(IList<ChatMessage> messages) => string.Join("\n", messages.Select(m => m.Text));

    /// <summary>The names of the images in a call.</summary>
    public static string[] ImagesOf(IList<ChatMessage> messages) => [.. messages.SelectMany(m => m.Contents).OfType<DataContent>().Select(d => d.Name ?? "")];
}
