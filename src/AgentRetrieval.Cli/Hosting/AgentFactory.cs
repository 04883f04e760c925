using AgentRetrieval.Agent;
using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Relevance;
using AgentRetrieval.Prompts;
using AgentRetrieval.Reranking;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>Builds the agent the same way for every host (chat, serve, mcp, eval, bench): model, index, LLM and the cascade's judges.</summary>
internal static class AgentFactory
{
    // MiniLM is loaded once per process, on the first agent that reranks by cascade with an LLM (it is only a stage-1
    // judge then), and lives as long as the process.
    private static readonly Lazy<MiniLmEmbeddingGenerator> s_miniLm = new(() => new MiniLmEmbeddingGenerator(), LazyThreadSafetyMode.ExecutionAndPublication);

    public static RetrievalAgent Create(CliSettings settings, Encoders model, IImageIndex index, IChatClient? chat, IPromptProvider prompts, AgentOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(model);
        options ??= settings.Agent;
        bool cascade = chat is not null && options.RerankStrategy == "cascade";
        ITextRelevance? small = cascade ? s_miniLm.Value.AsTextRelevance() : null;
        ITextRelevance? multilingual = cascade && model.Multilingual ? new EmbeddingTextRelevance(model.Text, $"the retrieval model's text tower ({model.Family}, multilingual)", multilingual: true) : null;
        return new RetrievalAgent(model.Text, model.Images, index, model.Identity, prompts, options, chat,
            maxPixels: settings.Indexing.MaxPixels, gazetteer: Places.Gazetteer, textRelevance: small, multilingualRelevance: multilingual);
    }
}
