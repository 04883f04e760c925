using AgentRetrieval.Onnx.Clip;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AgentRetrieval.Tests.DependencyInjection;

public sealed class OnnxServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        IConfiguration config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddSingleton(config).AddAgentRetrievalOnnx().BuildServiceProvider();
    }

    [Fact]
    public async Task AddAgentRetrievalOnnx_FixtureModel_ResolvesWorkingEncoders()
    {
        using ServiceProvider sp = Build(new() { ["Clip:ModelDirectory"] = SharedFixtures.ClipTiny });

        var text = sp.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var images = sp.GetRequiredService<IEmbeddingGenerator<DataContent, Embedding<float>>>();
        Embedding<float> e = await text.GenerateAsync("a photo of a dog", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(16, e.Vector.Length);
        Assert.Same(sp.GetRequiredService<ClipModel>(), images.GetService<ClipModel>());
        Assert.Equal(16, text.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelDimensions);
    }

    [Fact]
    public void AddAgentRetrievalOnnx_InvalidVariant_FailsValidation()
    {
        using ServiceProvider sp = Build(new() { ["Clip:ModelDirectory"] = "/x", ["Clip:Variant"] = "int3" });

        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<ClipModelOptions>>().Value);

        Assert.Contains("Variant", ex.Message);
    }
}
