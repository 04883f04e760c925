using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.SemanticKernel;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using FunctionCallContent = Microsoft.Extensions.AI.FunctionCallContent;
using FunctionResultContent = Microsoft.Extensions.AI.FunctionResultContent;

namespace AgentRetrieval.Tests;

/// <summary>A real Kernel with automatic function calling; a scripted chat client plays the model and calls the plugin.</summary>
public sealed class ImageSearchPluginTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private Kernel BuildKernel(IChatClient model)
    {
        IConfiguration config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Clip:ModelDirectory"] = SharedFixtures.ClipTiny,
            ["Indexing:IndexDirectory"] = _dir.Combine("index"),
            ["Agent:Clarify"] = "false",
        }).Build();
        IKernelBuilder builder = Kernel.CreateBuilder();
        builder.Services.AddSingleton(config);
        builder.Services.AddAgentRetrieval(t =>
        {
            t.ReadableFolders.Add(Path.Combine(SharedFixtures.Data, "demo-gallery"));
            t.IndexableFolders.Add(Path.Combine(SharedFixtures.Data, "demo-gallery"));
        });
        builder.AddAgentRetrievalPlugin();
        // The host decides how tools are invoked; Semantic Kernel's invoker runs kernel functions with the kernel.
        builder.Services.AddSingleton(new ChatClientBuilder(model).UseKernelFunctionInvocation().Build().AsChatCompletionService());
        return builder.Build();
    }

    private static string ToolName(ChatOptions? options, string suffix) =>
        options?.Tools?.Select(t => t.Name).FirstOrDefault(n => n.EndsWith(suffix, StringComparison.Ordinal))
        ?? throw new InvalidOperationException($"The model was not offered a '{suffix}' tool.");

    [Fact]
    public async Task Kernel_ModelCallsIndexThenSearch_PluginRunsWithArgumentsAndResultsReachTheModel()
    {
        var seen = new List<string>();
        int turn = 0;
        var model = new FakeChatClient
        {
            ResponseCallback = (messages, options, _) =>
            {
                turn++;
                seen.Add(string.Join("\n", messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => r.Result?.ToString())));
                ChatMessage reply = turn switch
                {
                    1 => new(ChatRole.Assistant, [new FunctionCallContent("c1", ToolName(options, "index_folder"), new Dictionary<string, object?> { ["path"] = Path.Combine(SharedFixtures.Data, "demo-gallery") })]),
                    2 => new(ChatRole.Assistant, [new FunctionCallContent("c2", ToolName(options, "search_images"), new Dictionary<string, object?> { ["query"] = "a rocket launch", ["top"] = 3 })]),
                    3 => new(ChatRole.Assistant, [new FunctionCallContent("c3", ToolName(options, "find_similar"), new Dictionary<string, object?> { ["image"] = "../../../../etc/passwd" })]),
                    _ => new(ChatRole.Assistant, "Here are your rocket pictures."),
                };
                return Task.FromResult(new ChatResponse(reply));
            },
        };
        Kernel kernel = BuildKernel(model);
        var history = new ChatHistory("You help the user find their photos.");
        history.AddUserMessage("Index my demo gallery and find a rocket launch.");

        ChatMessageContent answer = await kernel.GetRequiredService<IChatCompletionService>().GetChatMessageContentAsync(
            history, new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }, kernel, TestContext.Current.CancellationToken);

        Assert.Equal("Here are your rocket pictures.", answer.Content);
        Assert.Equal(4, turn);
        Assert.Contains("30 image files", seen[1]);
        Assert.Contains("Results (session ", seen[2]);
        Assert.Contains("1. id=", seen[2]);
        Assert.Contains("demo-gallery", seen[2]);
        Assert.DoesNotContain("4. id=", seen[2]);
        Assert.Contains("is not an absolute path", seen[3]);
    }

    [Fact]
    public async Task Plugin_SearchThenRefine_ReturnsImagesAndUsesFeedback()
    {
        Kernel kernel = BuildKernel(new FakeChatClient());
        ImageSearchPlugin plugin = kernel.Services.GetRequiredService<ImageSearchPlugin>();
        await plugin.IndexFolderAsync(Path.Combine(SharedFixtures.Data, "demo-gallery"), TestContext.Current.CancellationToken);

        ImageSearchResult first = await plugin.SearchImagesAsync("coins", 5, cancellationToken: TestContext.Current.CancellationToken);
        string session = first.Text[(first.Text.IndexOf("(session ", StringComparison.Ordinal) + 9)..].Split(')')[0];
        ImageSearchResult refined = await plugin.RefineSearchAsync(session, "2", "1", "", 5, TestContext.Current.CancellationToken);
        ImageSearchResult bad = await plugin.RefineSearchAsync("nope", "", "", "x", 5, TestContext.Current.CancellationToken);

        Assert.False(first.IsError, first.Text);
        Assert.Equal(4, first.Images.Count);
        Assert.All(first.Images, i => Assert.Equal("image/jpeg", i.MimeType));
        string firstFile = first.Text.Split('\n').First(l => l.StartsWith("1. ", StringComparison.Ordinal)).Split("file=")[1];
        Assert.DoesNotContain(firstFile, refined.Text);
        Assert.True(bad.IsError);
        Assert.Contains("no search session", bad.Text);
    }

    [Fact]
    public async Task Plugin_IndexOutsideAllowList_RefusedWithReadableText()
    {
        Kernel kernel = BuildKernel(new FakeChatClient());
        ImageSearchPlugin plugin = kernel.Services.GetRequiredService<ImageSearchPlugin>();

        ImageSearchResult r = await plugin.IndexFolderAsync("/etc", TestContext.Current.CancellationToken);
        ImageSearchResult d = await plugin.DescribeImageAsync("1", TestContext.Current.CancellationToken);

        Assert.True(r.IsError);
        Assert.Contains("outside the folders", r.Text);
        Assert.True(d.IsError);
        Assert.Contains("no multimodal LLM is configured", d.Text);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task SearchImages_Filters_AppliedAndHonestWhenNothingMatches()
    {
        Kernel kernel = BuildKernel(new FakeChatClient());
        ImageSearchPlugin plugin = kernel.Services.GetRequiredService<ImageSearchPlugin>();
        await plugin.IndexFolderAsync(Path.Combine(SharedFixtures.Data, "demo-gallery"), TestContext.Current.CancellationToken);

        ImageSearchResult none = await plugin.SearchImagesAsync("", 5, from: "2030", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("No photos match these filters: taken 2030", none.Text);
        Assert.DoesNotContain("1. id=", none.Text);

        ImageSearchResult folder = await plugin.SearchImagesAsync("", 5, folder: "demo-gallery", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("photos match the filters", folder.Text);
        Assert.Contains("1. id=", folder.Text);

        ImageSearchResult bad = await plugin.SearchImagesAsync("a dog", 5, from: "last tuesday", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("from takes a date", bad.Text);
    }
}
