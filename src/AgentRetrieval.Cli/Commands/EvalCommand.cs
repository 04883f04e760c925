using System.CommandLine;
using System.Globalization;
using AgentRetrieval.Agent;
using AgentRetrieval.Cli.Hosting;
using AgentRetrieval.Evaluation;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Prompts;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace AgentRetrieval.Cli.Commands;

/// <summary><c>agentretrieval eval &lt;dataset&gt;</c>: retrieval quality on an image–caption set.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var dataset = new Argument<string?>("dataset") { Description = "A folder with images/ and captions.json, or a Karpathy dataset_*.json file.", Arity = ArgumentArity.ZeroOrOne };
        var plans = new Option<string?>("--plans") { Description = "Run the labelled search-plan requests (default: the set that ships with the program) and print the table.", Arity = ArgumentArity.ZeroOrOne };
        var split = new Option<string?>("--split") { Description = "The split to evaluate (default: dev, else test)." };
        var images = new Option<string?>("--images") { Description = "For a Karpathy file: the image folder." };
        var codes = new Option<string?>("--codes") { Description = "Also evaluate ITQ binary codes of these lengths, e.g. 16,32,64,128,256." };
        var dialogue = new Option<int>("--dialogue") { Description = "Simulated dialogue rounds after round 0 (ChatIR protocol): Hits@10 per round." };
        var rerank = new Option<string?>("--rerank") { Description = "Measure the agent's reranker (cascade, pointwise or listwise) on top of retrieval; needs --llm." };
        var llm = new Option<string?>("--llm") { Description = "Multimodal LLM (manifest name or folder) for --rerank (and for dialogue rewrites)." };
        var rerankQueries = new Option<int>("--rerank-queries") { Description = "Queries for --rerank (each costs LLM calls).", DefaultValueFactory = _ => 20 };
        var command = new Command("eval", "Measure retrieval: text→image and image→text R@1/5/10, median rank, MAP, latency; binary codes, dialogue rounds, rerank.")
        {
            dataset, split, images, codes, dialogue, rerank, llm, rerankQueries, plans,
        };
        command.SetAction((result, ct) => CommandLine.RunAsync(async token =>
        {
            CliSettings settings = CliSettings.Load(CommandLine.Globals(result));
            bool json = result.GetValue(CommandLine.Json);
            if (result.GetResult(plans) is not null)
            {
                return PlanEval.Run(result.GetValue(plans), json);
            }

            string datasetPath = result.GetValue(dataset) ?? throw new SettingsException("Give a dataset (a folder with images/ and captions.json, or a Karpathy file), or --plans.");
            EvalDataset set = EvalDataset.Load(datasetPath, result.GetValue(images));
            string chosen = result.GetValue(split) ?? (set.Split("dev").Count > 0 ? "dev" : "test");
            int[] bits = ParseBits(result.GetValue(codes));
            string? strategy = result.GetValue(rerank);
            if (strategy is not null && strategy is not ("cascade" or "pointwise" or "listwise"))
            {
                throw new SettingsException("--rerank takes cascade, pointwise or listwise.");
            }

            CommandServices.UseLlmFolder(settings, result.GetValue(llm));

            using Encoders model = await ModelResolver.LoadEncodersAsync(settings, token);
            var text = model.Text;
            var imageEncoder = model.Images;
            using IChatClient? chat = ChatClientFactory.Create(settings);
            if (strategy is not null && chat is null)
            {
                throw new SettingsException("--rerank needs a multimodal LLM: pass --llm <folder> (or configure Llm:ModelDirectory).");
            }

            string indexDir = result.GetValue(CommandLine.Index) is { } given ? CliSettings.ExpandPath(given)
                : Path.Combine(Path.GetTempPath(), "agentretrieval-eval", $"{set.Name}-{chosen}-{model.Identity.Fingerprint}");
            var prompts = new FilePromptProvider(FilePromptProvider.DefaultDirectory);
            var evaluator = new RetrievalEvaluator(text, imageEncoder, model.Identity, settings.Indexing);
            EvalReport report = await evaluator.EvaluateAsync(set, chosen, new EvalRequest
            {
                IndexDirectory = indexDir,
                CodeBits = bits,
                DialogueRounds = result.GetValue(dialogue),
                RerankStrategy = strategy,
                RerankQueries = result.GetValue(rerankQueries),
                AgentFactory = index =>
                {
                    AgentOptions options = settings.Agent;
                    options.Clarify = false;
                    options.ResultCount = Math.Max(options.ResultCount, 10);
                    if (strategy is not null)
                    {
                        options.RerankStrategy = strategy;
                    }

                    return AgentFactory.Create(settings, model, index, strategy is null ? null : chat, prompts, options);
                },
            }, new SynchronousProgress<string>(Ui.Info), token);
            Print(report, json);
            return 0;
        }, ct));
        return command;
    }

    private static int[] ParseBits(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        try
        {
            return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(b => int.Parse(b, CultureInfo.InvariantCulture))
                .Select(b => b is > 0 and <= 4096 ? b : throw new FormatException())];
        }
        catch (FormatException)
        {
            throw new SettingsException($"--codes takes code lengths such as 16,32,64,128,256; got '{text}'.");
        }
    }

    private static object Scores(RetrievalScores s) => new
    {
        queries = s.Queries,
        r1 = Math.Round(s.RecallAt1, 2),
        r5 = Math.Round(s.RecallAt5, 2),
        r10 = Math.Round(s.RecallAt10, 2),
        median_rank = s.MedianRank,
        map = Math.Round(s.MeanAveragePrecision, 2),
    };

    private static void Print(EvalReport r, bool json)
    {
        if (json)
        {
            JsonOutput.Write(new
            {
                dataset = r.Dataset,
                split = r.Split,
                model = r.Model,
                images = r.Images,
                captions = r.Captions,
                relevance = r.RelevanceByLabel ? "label" : "item",
                text_to_image = Scores(r.TextToImage),
                image_to_text = Scores(r.ImageToText),
                query_latency_ms = new { mean = Math.Round(r.QueryLatencyMs.Mean, 3), p50 = Math.Round(r.QueryLatencyMs.P50, 3), p95 = Math.Round(r.QueryLatencyMs.P95, 3) },
                codes = r.Codes.Select(c => new { bits = c.Bits, text_to_image = c.TextToImage is null ? null : Scores(c.TextToImage), image_to_text = c.ImageToText is null ? null : Scores(c.ImageToText), note = c.Note }),
                dialogue_hits_at_10 = r.DialogueHitsAt10.Select(h => Math.Round(h, 2)),
                rerank = r.Rerank is null ? null : new { strategy = r.Rerank.Strategy, queries = r.Rerank.Queries, retrieval = Scores(r.Rerank.Retrieval), reranked = Scores(r.Rerank.Reranked), mean_turn_seconds = Math.Round(r.Rerank.MeanTurnSeconds, 3) },
                skipped = r.Skipped,
            });
            return;
        }

        Ui.Out.MarkupLine($"[bold]{Markup.Escape(r.Dataset)}[/] / {Markup.Escape(r.Split)}: {r.Images} images, {r.Captions} captions, model {Markup.Escape(r.Model)}; relevance by {(r.RelevanceByLabel ? "label" : "item")}");
        var table = new Table().AddColumn("direction").AddColumn("R@1").AddColumn("R@5").AddColumn("R@10").AddColumn("MedR").AddColumn("MAP");
        void Row(string name, RetrievalScores s) => table.AddRow(name, F(s.RecallAt1), F(s.RecallAt5), F(s.RecallAt10), s.MedianRank.ToString(CultureInfo.InvariantCulture), F(s.MeanAveragePrecision));
        Row("text→image", r.TextToImage);
        Row("image→text", r.ImageToText);
        foreach (CodeScores c in r.Codes)
        {
            if (c.TextToImage is null)
            {
                table.AddRow($"{c.Bits}-bit codes", Markup.Escape(c.Note ?? ""), "", "", "", "");
                continue;
            }

            Row($"text→image {c.Bits}-bit", c.TextToImage);
            Row($"image→text {c.Bits}-bit", c.ImageToText!);
        }

        if (r.Rerank is { } rr)
        {
            Row($"retrieval ({rr.Queries} q)", rr.Retrieval);
            Row($"+ {rr.Strategy} rerank", rr.Reranked);
        }

        Ui.Out.Write(table);
        Ui.Out.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"query latency (encode + search): mean {r.QueryLatencyMs.Mean:0.00} ms, p50 {r.QueryLatencyMs.P50:0.00} ms, p95 {r.QueryLatencyMs.P95:0.00} ms"));
        if (r.DialogueHitsAt10.Count > 0)
        {
            Ui.Out.MarkupLine("dialogue Hits@10 by round: " + string.Join("  ", r.DialogueHitsAt10.Select((h, i) => string.Create(CultureInfo.InvariantCulture, $"r{i} {h:0.0}"))));
        }

        if (r.Rerank is { } rk)
        {
            Ui.Out.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"mean agent turn with {rk.Strategy} rerank: {rk.MeanTurnSeconds:0.00} s"));
        }

        foreach (string s in r.Skipped)
        {
            Ui.Out.MarkupLine("skipped: " + Markup.Escape(s));
        }

        static string F(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
    }
}
