namespace AgentRetrieval.Agent;

/// <summary>
/// How many calls a chat client takes at once, found through <see cref="Microsoft.Extensions.AI.IChatClient.GetService(Type, object?)"/>:
/// an OpenAI-compatible server serves several (Llm:MaxConcurrency); an in-process model one at a time.
/// </summary>
/// <param name="MaxConcurrentCalls">The most calls in flight.</param>
public sealed record LlmConcurrency(int MaxConcurrentCalls);
