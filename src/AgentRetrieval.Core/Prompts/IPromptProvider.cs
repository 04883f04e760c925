namespace AgentRetrieval.Prompts;

/// <summary>Loads prompt templates by name.</summary>
public interface IPromptProvider
{
    /// <summary>The template called <paramref name="name"/>.</summary>
    /// <param name="name">rewrite, clarify, caption, rerank-pointwise, rerank-listwise or respond.</param>
    /// <exception cref="KeyNotFoundException">No such prompt.</exception>
    PromptTemplate GetPrompt(string name);
}
