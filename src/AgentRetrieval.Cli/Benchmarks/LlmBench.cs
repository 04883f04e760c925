using System.Diagnostics;
using AgentRetrieval.Agent;
using AgentRetrieval.Imaging;
using AgentRetrieval.Onnx.Generation;
using AgentRetrieval.Prompts;
using AgentRetrieval.Reranking;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Cli.Benchmarks;

/// <summary>
/// <c>bench --llm</c>: what each cascade stage costs with this LLM (prompt tokens and seconds per candidate, the depth
/// the default budget reaches, describing images per hour), and, with the real-size decoder layer
/// (<c>phi3-layer-shape</c>), an estimate of the same for a real 4B model from the measured prompt tokens.
/// </summary>
internal static class LlmBench
{
    private const int Candidates = 128;

    /// <summary>The tokens a real model writes for one description record (the tiny models write to the limit).</summary>
    private const int RecordTokens = 100;

    private static readonly string s_evidence = new CandidateEvidence(
        "A brown dog runs through deep snow in a park, with bare trees and a red bench behind it.\nDog, snow, trees, bench\nwinter, park, outdoor, running",
        "PARK RULES", "taken 3 January 2021, in Oslo, Norway, with a Canon EOS 80D", "Pictures 2021 IMG 0412").ForLlm();

    public static async Task<object> RunAsync(IChatClient chat, IPromptProvider prompts, AgentOptions options, IReadOnlyList<string> photos, string? layerShape, Action<string> log, CancellationToken token)
    {
        INextTokenScorer? scorer = chat.GetService<INextTokenScorer>();
        string photo = photos[0];
        byte[] original = await File.ReadAllBytesAsync(photo, token);
        var sizes = new List<object>();
        (int Tokens, double Seconds)? judgeImage = null, describeImage = null;
        foreach ((string use, int side) in new[] { ("judge", options.JudgeImageSide), ("describe", options.DescribeImageSide), ("as stored", 0) })
        {
            byte[] data = side > 0 ? ImageLoader.Downscaled(original, side).Data : ImageLoader.ToCommonFormat(original, modernFormats: false).Data;
            ImageInfo info = ImageLoader.Identify(data);
            List<ChatMessage> messages = PromptMessages.Build(prompts.GetPrompt("rerank-pointwise"), new Dictionary<string, string>
            {
                ["image"] = PromptTemplate.ImageMarker, ["query"] = "a dog running in the snow", ["caption"] = "(none)",
            }, [new DataContent(data, "image/jpeg")]);
            int tokens = await PromptTokensAsync(chat, messages, token);
            double seconds = await TimeAsync(() => Judge(chat, scorer, messages, token), 2);
            log($"  image prompt at {info.Width}×{info.Height} ({use}): {tokens} prompt tokens, {seconds:0.00}s per judgment");
            sizes.Add(new { use, side, width = info.Width, height = info.Height, prompt_tokens = tokens, seconds = Math.Round(seconds, 3) });
            if (use == "judge")
            {
                judgeImage = (tokens, seconds);
            }
            else if (use == "describe")
            {
                describeImage = (tokens, seconds);
            }
        }

        List<ChatMessage> text = PromptMessages.Build(prompts.GetPrompt("judge-text"), new Dictionary<string, string> { ["query"] = "a dog running in the snow", ["evidence"] = s_evidence });
        int textTokens = await PromptTokensAsync(chat, text, token);
        double textSeconds = await TimeAsync(() => Judge(chat, scorer, text, token), 3);
        log($"  text judgment: {textTokens} prompt tokens, {textSeconds:0.000}s per candidate");

        byte[] describeData = ImageLoader.Downscaled(original, options.DescribeImageSide).Data;
        List<ChatMessage> describe = PromptMessages.Build(prompts.GetPrompt("describe"), new Dictionary<string, string> { ["image"] = PromptTemplate.ImageMarker }, [new DataContent(describeData, "image/jpeg")]);
        var sw = Stopwatch.StartNew();
        ChatResponse described = await chat.GetResponseAsync(describe, new ChatOptions { MaxOutputTokens = options.DescribeMaxOutputTokens, Temperature = 0f }, token);
        double describeSeconds = sw.Elapsed.TotalSeconds;
        long outputTokens = described.Usage?.OutputTokenCount ?? 0;
        log($"  description: {describeSeconds:0.00}s ({outputTokens} tokens written) → {3600 / describeSeconds:0} images per hour");

        // The small stage-1 judge, timed on 128 passages like the ones it reads.
        using var miniLmEncoder = new Onnx.Relevance.MiniLmEmbeddingGenerator();
        ITextRelevance miniLm = miniLmEncoder.AsTextRelevance();
        string passage = new CandidateEvidence("A brown dog runs through deep snow in a park, with bare trees and a red bench behind it.", "PARK RULES", "taken 3 January 2021, in Oslo, Norway", "Pictures 2021 IMG 0412").ForEmbedding();
        await miniLm.ScoreAsync("warm up", [passage], token);
        sw.Restart();
        await miniLm.ScoreAsync("a dog running in the snow", [.. Enumerable.Repeat(passage, Candidates)], token);
        double smallSeconds = sw.Elapsed.TotalSeconds;
        log($"  MiniLM text judge: {smallSeconds:0.00}s for {Candidates} candidates");

        double budget = options.TurnBudget.TotalSeconds;
        object stages = Stages(options, budget, textSeconds, judgeImage!.Value.Seconds, smallSeconds);
        object? estimate = null;
        if (layerShape is not null)
        {
            estimate = EstimateReal(layerShape, options, budget, textTokens, judgeImage.Value.Tokens, describeImage!.Value.Tokens, RecordTokens, smallSeconds, log);
        }

        return new
        {
            model = Describing.DescribePass.ModelIdentityOf(chat),
            logits = scorer is not null,
            turn_budget_seconds = budget,
            images = sizes,
            text_prompt_tokens = textTokens,
            text_seconds_per_candidate = Math.Round(textSeconds, 4),
            image_prompt_tokens = judgeImage.Value.Tokens,
            image_seconds_per_candidate = Math.Round(judgeImage.Value.Seconds, 4),
            describe_seconds_per_image = Math.Round(describeSeconds, 3),
            describe_images_per_hour = Math.Round(3600 / describeSeconds, 1),
            small_text_judge_seconds_for_128 = Math.Round(smallSeconds, 3),
            stages,
            real_4b_estimate = estimate,
        };
    }

    /// <summary>What the cascade does within the default budget at these costs (its own rules: stage 1 by LLM if it fits its share).</summary>
    private static object Stages(AgentOptions options, double budget, double textSeconds, double imageSeconds, double smallSeconds)
    {
        bool llmText = textSeconds * Candidates <= budget * options.TextJudgeBudgetShare;
        double stage1 = llmText ? textSeconds * Candidates : smallSeconds;
        int stage2 = (int)Math.Clamp(Math.Floor((budget - stage1) * 0.85 / Math.Max(imageSeconds, 1e-6)), 0, options.RerankTopN);
        return new
        {
            stage1_judge = llmText ? "llm" : "small text model (MiniLM)",
            stage1_depth = Candidates,
            stage1_seconds = Math.Round(stage1, 2),
            stage2_depth = stage2,
            stage2_depth_uncapped = (int)Math.Floor((budget - stage1) * 0.85 / Math.Max(imageSeconds, 1e-6)),
            stage2_seconds = Math.Round(stage2 * imageSeconds, 2),
        };
    }

    private static object EstimateReal(string layerShape, AgentOptions options, double budget, int textTokens, int imageTokens, int describeTokens, int outputTokens, double smallSeconds, Action<string> log)
    {
        string model = Path.Combine(layerShape, "onnx", "decoder_layer.onnx");
        using var layer = new DecoderLayerTimer(model);
        const int layers = 32;
        double Prefill(int n) => layer.Time(n).TotalSeconds * layers;
        double decode = Prefill(1);
        double text = Prefill(textTokens) + decode;
        double image = Prefill(imageTokens) + decode;
        double describe = Prefill(describeTokens) + (outputTokens * decode);
        log($"  real 4B estimate (32 × one real-size layer, no vision encoder): text judgment {text:0.0}s, image judgment {image:0.0}s, description {describe:0.0}s");
        return new
        {
            note = $"estimate: 32 × the measured time of one real-size Phi-3.5 decoder layer (phi3-layer-shape) for the prompt tokens measured above, a {RecordTokens}-token description record; the vision encoder and KV cache are not included",
            decode_seconds_per_token = Math.Round(decode, 3),
            text_seconds_per_candidate = Math.Round(text, 2),
            image_seconds_per_candidate = Math.Round(image, 2),
            describe_seconds_per_image = Math.Round(describe, 1),
            describe_images_per_hour = Math.Round(3600 / describe, 1),
            describe_hours_for_20000_photos = Math.Round(20000 * describe / 3600, 1),
            stages = Stages(options, budget, text, image, smallSeconds),
        };
    }

    private static async Task<int> PromptTokensAsync(IChatClient chat, List<ChatMessage> messages, CancellationToken token)
    {
        ChatResponse r = await chat.GetResponseAsync(messages, new ChatOptions { MaxOutputTokens = 1, Temperature = 0f }, token);
        return (int)(r.Usage?.InputTokenCount ?? -1);
    }

    private static async Task Judge(IChatClient chat, INextTokenScorer? scorer, List<ChatMessage> messages, CancellationToken token)
    {
        if (scorer is not null)
        {
            await scorer.ScoreNextTokenAsync(messages, ["Yes", "No"], token);
        }
        else
        {
            await chat.GetResponseAsync(messages, new ChatOptions { MaxOutputTokens = 1, Temperature = 0f }, token);
        }
    }

    private static async Task<double> TimeAsync(Func<Task> run, int repeats)
    {
        var times = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var sw = Stopwatch.StartNew();
            await run();
            times.Add(sw.Elapsed.TotalSeconds);
        }

        return times.Order().ElementAt(times.Count / 2);
    }
}
