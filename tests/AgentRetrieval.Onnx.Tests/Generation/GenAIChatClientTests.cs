using AgentRetrieval.Imaging;
using AgentRetrieval.Onnx.Generation;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Tests.Generation;

/// <summary>The tiny generating models of ../shared/fixtures/genai, end to end.</summary>
public sealed class GenAIChatClientTests
{
    private static GenAIChatClient Load(string name, int? context = null) =>
        new(new GenAIChatClientOptions { ModelDirectory = Path.Combine(SharedFixtures.GenAi, name), MaxLength = context ?? 4096, ContextLength = context });

    private static DataContent Photo(string file = "australia.jpg") =>
        new(File.ReadAllBytes(Path.Combine(SharedFixtures.ClipTiny, "images", file)), "image/jpeg") { Name = file };

    public static TheoryData<string, PromptFormatKind> Models() => new()
    {
        { "phi3v-tiny", PromptFormatKind.Phi3 },
        { "qwen25vl-tiny", PromptFormatKind.Qwen25VL },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public async Task GetStreamingResponseAsync_ImageIn_StreamsTokensDeterministically(string model, PromptFormatKind format)
    {
        using GenAIChatClient client = Load(model);
        Assert.Equal(format, client.Format);
        ChatMessage[] prompt = [new(ChatRole.User, [Photo(), new TextContent("Describe the image.")])];

        var pieces = new List<string>();
        await foreach (ChatResponseUpdate u in client.GetStreamingResponseAsync(prompt, new ChatOptions { MaxOutputTokens = 6 }, TestContext.Current.CancellationToken))
        {
            if (u.Text.Length > 0)
            {
                pieces.Add(u.Text);
            }
        }

        ChatResponse again = await client.GetResponseAsync(prompt, new ChatOptions { MaxOutputTokens = 6 }, TestContext.Current.CancellationToken);
        Assert.InRange(pieces.Count, 1, 6);
        Assert.Equal(string.Concat(pieces), again.Text);
    }

    [Fact]
    public async Task GetResponseAsync_PromptTokens_CountTheImageTokensAndFollowTheImageSizeWhereTheProcessorDoes()
    {
        // Measured under ONNX Runtime GenAI 0.18: Qwen2.5-VL's processor sizes its patches by the image handed in, so a
        // smaller image costs fewer prompt tokens; Phi-3-vision's resizes every image to its crop maximum (about 1,900
        // image tokens whatever the size), so there the size handed in does not change the cost.
        byte[] photo = File.ReadAllBytes(Path.Combine(SharedFixtures.ClipTiny, "images", "australia.jpg"));
        async Task<long> TokensAsync(GenAIChatClient client, int side)
        {
            byte[] data = ImageLoader.Downscaled(photo, side).Data;
            ChatResponse r = await client.GetResponseAsync([new ChatMessage(ChatRole.User, [new DataContent(data, "image/jpeg"), new TextContent("Describe the image.")])],
                new ChatOptions { MaxOutputTokens = 1 }, TestContext.Current.CancellationToken);
            return r.Usage!.InputTokenCount!.Value;
        }

        using (GenAIChatClient qwen = Load("qwen25vl-tiny"))
        {
            long small = await TokensAsync(qwen, 224), large = await TokensAsync(qwen, 448);
            long text = (await qwen.GetResponseAsync([new ChatMessage(ChatRole.User, "Describe the image.")], new ChatOptions { MaxOutputTokens = 1 }, TestContext.Current.CancellationToken)).Usage!.InputTokenCount!.Value;
            Assert.True(small > text, $"{small} tokens with an image, {text} without");
            Assert.True(large > small * 2, $"{large} tokens at 448 px, {small} at 224 px");
        }

        using GenAIChatClient phi = Load("phi3v-tiny");
        long phiSmall = await TokensAsync(phi, 224), phiLarge = await TokensAsync(phi, 448);
        Assert.InRange(phiSmall, 1500, 2500);
        Assert.Equal(phiSmall, phiLarge);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_CancelledAfterFirstToken_StopsCleanlyAndModelStaysUsable()
    {
        using GenAIChatClient client = Load("phi3v-tiny");
        using var cts = new CancellationTokenSource();
        ChatMessage[] prompt = [new(ChatRole.User, [Photo(), new TextContent("Describe the image.")])];
        int received = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (ChatResponseUpdate u in client.GetStreamingResponseAsync(prompt, new ChatOptions { MaxOutputTokens = 200 }, cts.Token))
            {
                received++;
                await cts.CancelAsync();
            }
        });

        Assert.Equal(1, received);
        ChatResponse after = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hello")], new ChatOptions { MaxOutputTokens = 3 }, TestContext.Current.CancellationToken);
        Assert.NotNull(after.Text);
    }

    [Fact]
    public async Task ScoreNextTokenAsync_YesNo_ReturnsProbabilitiesFromLogits()
    {
        using GenAIChatClient client = Load("phi3v-tiny");
        ChatMessage[] prompt = [new(ChatRole.User, [Photo(), new TextContent("Does this image show a dog? Answer Yes or No.")])];

        IReadOnlyList<double> p = await client.ScoreNextTokenAsync(prompt, ["Yes", "No"], TestContext.Current.CancellationToken);
        IReadOnlyList<double> q = await client.ScoreNextTokenAsync(prompt, ["Yes", "No"], TestContext.Current.CancellationToken);

        Assert.Equal(2, p.Count);
        Assert.Equal(1.0, p.Sum(), 6);
        Assert.All(p, x => Assert.InRange(x, 1e-9, 1.0));
        Assert.Equal(p, q);
    }

    [Fact]
    public async Task GetResponseAsync_BadImage_ClearErrorAndModelStaysUsable()
    {
        using GenAIChatClient client = Load("phi3v-tiny");
        ChatMessage[] prompt = [new(ChatRole.User, [new DataContent("not an image"u8.ToArray(), "image/png") { Name = "fake.png" }, new TextContent("What is this?")])];

        var ex = await Assert.ThrowsAsync<InvalidImageException>(() => client.GetResponseAsync(prompt, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("fake.png", ex.Message);
        ChatResponse ok = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], new ChatOptions { MaxOutputTokens = 2 }, TestContext.Current.CancellationToken);
        Assert.NotNull(ok);
    }

    [Fact]
    public void Constructor_MissingFiles_ClearErrors()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => new GenAIChatClient(new GenAIChatClientOptions { ModelDirectory = dir.Path }));

        File.Copy(Path.Combine(SharedFixtures.GenAi, "phi3v-tiny", "genai_config.json"), dir.Combine("genai_config.json"));
        var ex = Assert.Throws<FileNotFoundException>(() => new GenAIChatClient(new GenAIChatClientOptions { ModelDirectory = dir.Path }));
        Assert.Contains("dummy_text.onnx", ex.Message);

        Assert.Throws<DirectoryNotFoundException>(() => new GenAIChatClient(new GenAIChatClientOptions { ModelDirectory = dir.Combine("nope") }));
    }

    [Fact]
    public void PromptFormat_Phi3TwoImages_NumbersTagsInOrder()
    {
        ChatMessage[] m = [new(ChatRole.System, "sys"), new(ChatRole.User, [Photo("australia.jpg") is var a ? new DataContent(a.Data, "image/jpeg") { Name = "a.jpg" } : null!, new TextContent("Image 2:"), Photo("tiny-13x9.png") is var b ? new DataContent(b.Data, "image/png") { Name = "b.jpg" } : null!, new TextContent("Which?")])];

        (string prompt, List<DataContent> images) = PromptFormat.Render(PromptFormatKind.Phi3, m);

        Assert.Equal("<|system|>\nsys<|end|>\n<|user|>\n<|image_1|>\nImage 2:<|image_2|>\nWhich?<|end|>\n<|assistant|>\n", prompt);
        Assert.Equal(["a.jpg", "b.jpg"], images.Select(i => i.Name));
        (string qwen, _) = PromptFormat.Render(PromptFormatKind.Qwen25VL, m);
        Assert.Contains("<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Image 2:<|vision_start|>", qwen);
        Assert.EndsWith("<|im_start|>assistant\n", qwen);
    }

    [Fact]
    public void PromptFormat_Gemma3_SystemOpensTheFirstUserTurnAndImagesAreTagged()
    {
        ChatMessage[] m = [new(ChatRole.System, "sys"), new(ChatRole.User, [new DataContent(Photo().Data, "image/jpeg"), new TextContent("Which?")]), new(ChatRole.Assistant, "This."), new(ChatRole.User, "Sure?")];

        (string prompt, List<DataContent> images) = PromptFormat.Render(PromptFormat.ForModelType("gemma3"), m);

        Assert.Equal("<start_of_turn>user\nsys\n\n<start_of_image>Which?<end_of_turn>\n<start_of_turn>model\nThis.<end_of_turn>\n<start_of_turn>user\nSure?<end_of_turn>\n<start_of_turn>model\n", prompt);
        Assert.Single(images);
    }
}
