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
        // Clip:ModelDirectory = "offline-default": the model built from NuGet-shipped ResNet-18 and MiniLM (no download).
        services.AddSingleton(sp => AgentRetrieval.Onnx.Offline.OfflineDefaultModel.Load(maxPixels: sp.GetRequiredService<IOptions<ClipModelOptions>>().Value.MaxPixels));
        services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(sp => IsOffline(sp)
            ? new AgentRetrieval.Onnx.Offline.OfflineTextEmbeddingGenerator(sp.GetRequiredService<AgentRetrieval.Onnx.Offline.OfflineDefaultModel>())
            : new ClipTextEmbeddingGenerator(sp.GetRequiredService<ClipModel>()));
        services.AddSingleton<IEmbeddingGenerator<DataContent, Embedding<float>>>(sp => IsOffline(sp)
            ? new AgentRetrieval.Onnx.Offline.OfflineImageEmbeddingGenerator(sp.GetRequiredService<AgentRetrieval.Onnx.Offline.OfflineDefaultModel>())
            : new ClipImageEmbeddingGenerator(sp.GetRequiredService<ClipModel>()));
        services.AddSingleton(sp => IsOffline(sp) ? sp.GetRequiredService<AgentRetrieval.Onnx.Offline.OfflineDefaultModel>().Identity : sp.GetRequiredService<ClipModel>().Identity);
        return services;
    }

    /// <summary>The name that selects the offline default instead of a CLIP folder.</summary>
    public const string OfflineDefaultName = "offline-default";

    private static bool IsOffline(IServiceProvider sp) =>
        string.Equals(sp.GetRequiredService<IOptions<ClipModelOptions>>().Value.ModelDirectory, OfflineDefaultName, StringComparison.OrdinalIgnoreCase);
}
