using AgentRetrieval.Agent;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Onnx.Generation;
using AgentRetrieval.Prompts;
using AgentRetrieval.SemanticKernel;
using AgentRetrieval.Tools;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Wires AgentRetrieval into an application: encoders, index, agent, tools and the Semantic Kernel plugin.</summary>
public static class AgentRetrievalServiceCollectionExtensions
{
    /// <summary>The service key of the multimodal <see cref="IChatClient"/> the agent uses for rerank and descriptions.</summary>
    public const string ChatClientKey = "agentretrieval";

    /// <summary>
    /// Registers everything from configuration: <c>Clip</c> (the CLIP model folder), <c>Indexing</c> (the index folder),
    /// <c>Agent</c>, <c>Tools</c> (allowed folders, caps) and, when <c>Llm:ModelDirectory</c> is set, the in-process
    /// multimodal LLM (keyed <see cref="ChatClientKey"/>; register your own <see cref="IChatClient"/> under that key instead
    /// to use another one).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configureTools">Adjusts the tool options (for example allowed folders).</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddAgentRetrieval(this IServiceCollection services, Action<ImageToolsOptions>? configureTools = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddAgentRetrievalOnnx();
        services.AddOptions<IndexingOptions>().BindConfiguration(IndexingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AgentOptions>().BindConfiguration(AgentOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        OptionsBuilder<ImageToolsOptions> tools = services.AddOptions<ImageToolsOptions>().BindConfiguration(ImageToolsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        if (configureTools is not null)
        {
            tools.Configure(configureTools);
        }

        services.AddOptions<GenAIChatClientOptions>().BindConfiguration(GenAIChatClientOptions.SectionName);
        services.AddKeyedSingleton<IChatClient>(ChatClientKey, (sp, _) =>
        {
            GenAIChatClientOptions llm = sp.GetRequiredService<IOptions<GenAIChatClientOptions>>().Value;
            // No LLM configured: the key resolves to null and the agent runs without one.
            return string.IsNullOrWhiteSpace(llm.ModelDirectory) ? null! : new GenAIChatClient(llm);
        });
        services.AddSingleton<IPromptProvider>(_ => new FilePromptProvider(FilePromptProvider.DefaultDirectory));
        services.AddSingleton(sp => EmbeddedImageIndex.Open(sp.GetRequiredService<IOptions<IndexingOptions>>().Value.IndexDirectory));
        services.AddSingleton(sp => new RetrievalAgent(
            sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
            sp.GetRequiredService<IEmbeddingGenerator<DataContent, Embedding<float>>>(),
            sp.GetRequiredService<EmbeddedImageIndex>(),
            sp.GetRequiredService<ModelIdentity>(),
            sp.GetRequiredService<IPromptProvider>(),
            sp.GetRequiredService<IOptions<AgentOptions>>().Value,
            sp.GetKeyedService<IChatClient>(ChatClientKey),
            maxPixels: sp.GetRequiredService<IOptions<IndexingOptions>>().Value.MaxPixels,
            logger: sp.GetService<ILoggerFactory>()?.CreateLogger<RetrievalAgent>()));
        services.AddSingleton(sp => new ImageSearchTools(
            sp.GetRequiredService<RetrievalAgent>(),
            sp.GetRequiredService<EmbeddedImageIndex>(),
            sp.GetRequiredService<IEmbeddingGenerator<DataContent, Embedding<float>>>(),
            sp.GetRequiredService<ModelIdentity>(),
            sp.GetRequiredService<IPromptProvider>(),
            sp.GetRequiredService<IOptions<IndexingOptions>>().Value,
            sp.GetRequiredService<IOptions<ImageToolsOptions>>().Value,
            sp.GetKeyedService<IChatClient>(ChatClientKey)));
        services.AddSingleton(sp => new ImageSearchPlugin(sp.GetRequiredService<ImageSearchTools>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger<ImageSearchPlugin>() ?? NullLogger<ImageSearchPlugin>.Instance));
        return services;
    }

    /// <summary>Adds the <see cref="ImageSearchPlugin"/> (registered by <see cref="AddAgentRetrieval"/>) to a kernel as plugin <paramref name="pluginName"/>.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="pluginName">The plugin's name; functions are called <c>{pluginName}-search_images</c> and so on.</param>
    /// <returns>The builder.</returns>
    public static IKernelBuilder AddAgentRetrievalPlugin(this IKernelBuilder builder, string pluginName = "images")
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton(sp => KernelPluginFactory.CreateFromObject(sp.GetRequiredService<ImageSearchPlugin>(), pluginName));
        return builder;
    }
}
