using AgentRetrieval.Agent;
using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Prompts;
using AgentRetrieval.Tools;
using AgentRetrieval.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace AgentRetrieval.Tests;

/// <summary>The chat page over the real CLIP fixture and a real index of the demo gallery.</summary>
internal sealed class WebTestBed : IAsyncDisposable
{
    private readonly TempDirectory _dir;
    private readonly ClipModel _clip;

    private WebTestBed(TempDirectory dir, ClipModel clip, EmbeddedImageIndex index, WebApplication app)
    {
        _dir = dir;
        _clip = clip;
        Index = index;
        App = app;
    }

    public EmbeddedImageIndex Index { get; }

    public WebApplication App { get; }

    public string BaseUrl => App.Urls.First();

    public static async Task<WebTestBed> StartAsync(bool testServer, Action<WebOptions>? configure = null, string? alsoIndex = null, IReadOnlyList<string>? scope = null, string? modelNotice = null)
    {
        var dir = new TempDirectory();
        ClipModel clip = ClipModel.Load(new ClipModelOptions { ModelDirectory = SharedFixtures.ClipTiny });
        EmbeddedImageIndex index = EmbeddedImageIndex.Open(dir.Combine("index"));
        var images = new ClipImageEmbeddingGenerator(clip);
        await new FolderIndexer(images, clip.Identity, index, new IndexingOptions()).IndexAsync(Path.Combine(SharedFixtures.Data, "demo-gallery"));
        if (alsoIndex is not null)
        {
            await new FolderIndexer(images, clip.Identity, index, new IndexingOptions()).IndexAsync(alsoIndex);
        }
        var options = new WebOptions { MaxUploadBytes = 2 * 1024 * 1024, MaxUploadPixels = 4_000_000 };
        configure?.Invoke(options);
        var agent = new RetrievalAgent(new ClipTextEmbeddingGenerator(clip), images, index, clip.Identity,
            new FilePromptProvider(Path.Combine(SharedFixtures.RepositoryRoot, "prompts")), new AgentOptions { MinRetrievalScore = -1 });
        var prompts = new FilePromptProvider(Path.Combine(SharedFixtures.RepositoryRoot, "prompts"));
        var toolOptions = new ImageToolsOptions();
        foreach (string f in scope ?? [])
        {
            toolOptions.ReadableFolders.Add(f);
        }

        var tools = new ImageSearchTools(agent, index, images, clip.Identity, prompts, new IndexingOptions(), toolOptions);
        var deps = new ChatWebDependencies(agent, index, clip.Identity,
            options.IndexableFolders.Count == 0 ? null : () => new FolderIndexer(images, clip.Identity, index, new IndexingOptions()), "none", 100_000_000, scope, tools)
        {
            ModelNotice = modelNotice,
        };
        WebApplication app = ChatWebApp.Build(deps, options, "http://127.0.0.1:0", b =>
        {
            b.Logging.SetMinimumLevel(LogLevel.Warning);
            if (testServer)
            {
                b.WebHost.UseTestServer();
            }
        });
        await app.StartAsync();
        return new WebTestBed(dir, clip, index, app);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Index.Dispose();
        _clip.Dispose();
        _dir.Dispose();
    }
}
