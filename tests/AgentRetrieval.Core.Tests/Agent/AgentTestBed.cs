using AgentRetrieval.Agent;
using AgentRetrieval.Embeddings;
using AgentRetrieval.Indexing;
using AgentRetrieval.Prompts;
using Microsoft.Extensions.AI;
using Polly;

namespace AgentRetrieval.Tests.Agent;

/// <summary>A real embedded index of small real PNG files with chosen vectors, a fake text encoder and the repository's prompts.</summary>
internal sealed class AgentTestBed : IDisposable
{
    public static readonly ModelIdentity Model = new("fake-clip", 4, "f00d", new Dictionary<string, string>());

    private readonly TempDirectory _dir = new();

    public AgentTestBed()
    {
        Index = EmbeddedImageIndex.Open(_dir.Combine("index"));
        Index.BindModel(Model);
        Text = new FakeTextEmbeddingGenerator(Model);
        Text.Vectors["dog"] = [1, 0, 0, 0];
        Text.Vectors["cat"] = [0, 1, 0, 0];
        Text.Vectors["red"] = [0, 0, 1, 0];
    }

    public EmbeddedImageIndex Index { get; }

    public FakeTextEmbeddingGenerator Text { get; }

    public IPromptProvider Prompts { get; } = new FilePromptProvider(Path.Combine(SharedFixtures.RepositoryRoot, "prompts"));

    public Dictionary<string, long> Ids { get; } = [];

    /// <summary>Adds an image file named <paramref name="name"/> whose vector is <paramref name="vector"/> (normalised).</summary>
    public long Add(string name, float[] vector, string? caption = null)
    {
        string path = _dir.Combine(name + ".png");
        File.WriteAllBytes(path, TestImages.Png(8, 8, (byte)(Ids.Count * 7)));
        Index.Commit([new IndexedFile(path, "hash-" + name, 1, 1, new Imaging.ImageInfo("PNG", 8, 8, null), FakeTextEmbeddingGenerator.Normalize(vector))]);
        long id = Index.ListImages().Single(i => i.Path == path).Id;
        Ids[name] = id;
        if (caption is not null)
        {
            Index.SetCaption(id, caption);
        }

        return id;
    }

    public RetrievalAgent Agent(AgentOptions options, IChatClient? chat = null, ResiliencePipeline? pipeline = null,
        AgentRetrieval.Reranking.ITextRelevance? textRelevance = null, AgentRetrieval.Reranking.ITextRelevance? multilingual = null) =>
        new(Text, null, Index, Model, Prompts, options, chat, pipeline, textRelevance: textRelevance, multilingualRelevance: multilingual);

    public void Dispose()
    {
        Index.Dispose();
        _dir.Dispose();
    }
}
