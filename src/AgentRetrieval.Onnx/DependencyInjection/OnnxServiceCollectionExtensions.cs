using AgentRetrieval.Embeddings;
using AgentRetrieval.Onnx.Clip;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the in-process CLIP encoders.</summary>
public static class OnnxServiceCollectionExtensions
{
    /// <summary>
    /// Registers one <see cref="ClipModel"/> (a singleton, loaded on first use from the validated <c>Clip</c> options) and
    /// its text and image encoders as <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Adjusts the options after binding.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddAgentRetrievalOnnx(this IServiceCollection services, Action<ClipModelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<ClipModelOptions> options = services.AddOptions<ClipModelOptions>().BindConfiguration(ClipModelOptions.SectionName).ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddSingleton<IValidateOptions<ClipModelOptions>, ClipModelOptionsValidator>();
        services.AddSingleton(sp => ClipModel.Load(sp.GetRequiredService<IOptions<ClipModelOptions>>().Value));
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp => new ClipTextEmbeddingGenerator(sp.GetRequiredService<ClipModel>()));
        services.AddSingleton<IEmbeddingGenerator<DataContent, Embedding<float>>>(sp => new ClipImageEmbeddingGenerator(sp.GetRequiredService<ClipModel>()));
        services.AddSingleton(sp => sp.GetRequiredService<ClipModel>().Identity);
        return services;
    }
}
