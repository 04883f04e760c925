using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using AgentRetrieval.Agent;
using AgentRetrieval.Cli.Hosting;
using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Prompts;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace AgentRetrieval.Cli.Commands;

/// <summary><c>agentretrieval chat [folder-or-index]</c>: conversational image search in the terminal.</summary>
internal static partial class ChatCommand
{
    private const string Help = """
        Describe the image you want. Then refine: "+2 -5" (like 2, dislike 5), "like 2", "dislike 5", "more like 3",
        "/image <file>" (search with an image; "/image off" removes it), "/filters" (show, "/filters off", "/filters drop date"),
        "/why" (how the last answer was made), "/reset" (new search), "/quit". Dates, places, cameras and quoted words in a
        request become filters ("beach photos from Lisbon in 2019, not at night"); "any year" / "anywhere" drop them.
        """;

    public static Command Create()
    {
        var target = new Argument<string?>("folder-or-index") { Description = "A folder of images (indexed first, incrementally) or an index folder. Default: the configured index.", Arity = ArgumentArity.ZeroOrOne };
        var llm = new Option<string?>("--llm") { Description = "Multimodal LLM: a manifest name installed with 'models pull' (phi-3.5-vision, gemma-3-4b) or an ONNX Runtime GenAI folder (Phi-3/3.5-vision, Phi-4-multimodal, Qwen2.5-VL, Gemma 3). Without it the agent runs without an LLM." };
        var rerank = new Option<string?>("--rerank") { Description = "Rerank strategy: cascade (the default: every candidate judged on text, the best as images within the turn's budget), pointwise, listwise or none." };
        var rerankTop = new Option<int?>("--rerank-top") { Description = "How many candidates the LLM judges." };
        var command = new Command("chat", "Find images by talking: the agent rewrites your request, retrieves 128 candidates with CLIP, reranks them with the LLM and answers.")
        {
            target, llm, rerank, rerankTop,
        };
        command.SetAction((result, ct) => CommandLine.RunAsync(async token =>
        {
            CliSettings settings = CliSettings.Load(CommandLine.Globals(result));
            using IDisposable? telemetry = TelemetryExport.Start(settings.Telemetry);
            bool json = result.GetValue(CommandLine.Json);
            CommandServices.UseLlmFolder(settings, result.GetValue(llm));
            if (result.GetValue(rerank) is { } strategy)
            {
                settings.Agent.RerankStrategy = strategy is "cascade" or "pointwise" or "listwise" or "none" ? strategy : throw new SettingsException("--rerank takes cascade, pointwise, listwise or none.");
            }

            if (result.GetValue(rerankTop) is int top)
            {
                settings.Agent.RerankTopN = top > 0 ? top : throw new SettingsException("--rerank-top must be at least 1.");
            }

            using Encoders model = await ModelResolver.LoadEncodersAsync(settings, token);
            var text = model.Text;
            var images = model.Images;
            using EmbeddedImageIndex index = await CommandServices.OpenTargetAsync(settings, result.GetValue(target), model, token);
            string? given = result.GetValue(target);
            if (given is not null && Directory.Exists(given) && !EmbeddedImageIndex.Exists(given)
                && index.Match(new CatalogFilter(null, null, null, null, [Path.TrimEndingDirectorySeparator(Path.GetFullPath(given))]))?.Count == 0)
            {
                throw new SettingsException($"No images could be indexed in '{given}' (it is searched for JPEG, PNG, GIF, BMP, WebP and TIFF files, in subfolders too). Run 'agentretrieval index {given}' to see what was skipped and why.");
            }

            if (index.Count == 0)
            {
                throw new SettingsException($"The index in '{index.Directory}' is empty. Give a folder of images: agentretrieval chat <folder>.");
            }

            using IChatClient? chat = ChatClientFactory.Create(settings);
            var prompts = new FilePromptProvider(FilePromptProvider.DefaultDirectory);
            var agent = AgentFactory.Create(settings, model, index, chat, prompts);
            Ui.Info(chat is null
                ? ChatClientFactory.NoLlmHint
                : $"LLM: {settings.Llm.ModelDirectory}{settings.Llm.Endpoint} · rerank: {settings.Agent.RerankStrategy}{(settings.Agent.RerankStrategy == "cascade" ? $" (images judged at {settings.Agent.JudgeImageSide}px, up to {settings.Agent.RerankTopN} within {settings.Agent.TurnBudget.TotalSeconds:0}s a turn)" : $", top {settings.Agent.RerankTopN}")}.");
            Ui.Info(Help);
            string? scopeFolder = result.GetValue(target) is { } t && Directory.Exists(t) && !EmbeddedImageIndex.Exists(t) ? Path.TrimEndingDirectorySeparator(Path.GetFullPath(t)) : null;
            await using TextRecognition.BackgroundPass textPass = TextRecognition.StartInBackground(settings, index, token);
            await using TextRecognition.BackgroundPass? describePass = Describer.StartInBackground(settings, index, chat, agent, token);
            // A chat over a folder keeps following it: photos added while chatting are found by the next turn.
            await using IAsyncDisposable? watcher = scopeFolder is null ? null : Watching.Start(settings, index, model, [scopeFolder], null, Ui.Info);
            await LoopAsync(agent, index, json, scopeFolder, token);
            return 0;
        }, ct));
        return command;
    }

    private static async Task LoopAsync(RetrievalAgent agent, EmbeddedImageIndex index, bool json, string? scopeFolder, CancellationToken token)
    {
        var session = new SearchSession();
        if (scopeFolder is not null)
        {
            // Results come from the folder the command was given, not from everything the shared index holds.
            session.Scope = [scopeFolder];
            int inScope = index.Match(new CatalogFilter(null, null, null, null, session.Scope))?.Count ?? index.Count;
            if (inScope < index.Count)
            {
                Ui.Info($"Searching the {inScope} images under {scopeFolder}; the index holds {index.Count} in all (run chat without a folder to search all of them).");
            }
        }
        while (true)
        {
            if (!json)
            {
                Console.Out.Write("> ");
                await Console.Out.FlushAsync(token);
            }

            string? line = await Console.In.ReadLineAsync(token);
            if (line is null)
            {
                return;
            }

            line = line.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            string? message;
            try
            {
                message = Interpret(line, session);
            }
            catch (ArgumentException ex)
            {
                Ui.Error(ex.Message);
                continue;
            }

            if (message == "/quit")
            {
                return;
            }

            if (message is null)
            {
                continue;
            }

            try
            {
                await RunTurnAsync(agent, index, session, message, json, token);
            }
            catch (ArgumentException ex)
            {
                Ui.Error(ex.Message);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Imaging.InvalidImageException or InvalidOperationException)
            {
                // A failed turn never ends the conversation.
                Ui.Error($"That turn failed: {ex.Message}");
            }
        }
    }

    /// <summary>Applies feedback commands to the session; returns the message to run, null for none, or "/quit".</summary>
    internal static string? Interpret(string line, SearchSession session)
    {
        if (line is "/quit" or "/exit" or "/q")
        {
            return "/quit";
        }

        if (line == "/reset")
        {
            session.Reset();
            Ui.Info("New search.");
            return null;
        }

        if (line == "/why")
        {
            Why(session);
            return null;
        }

        if (line == "/help")
        {
            Ui.Info(Help);
            return null;
        }

        if (line.StartsWith("/image ", StringComparison.Ordinal))
        {
            string path = line[7..].Trim().Trim('"');
            byte[] data;
            try
            {
                data = Imaging.ImageFile.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is Imaging.InvalidImageException or IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"Cannot use '{path}' as a query image: {ex.Message}", ex);
            }

            session.SetQueryImage(data);
            return "";
        }

        if (line == "/image off")
        {
            session.SetQueryImage(null);
            Ui.Info("The query image is removed.");
            return "";
        }

        if (line == "/filters" || line.StartsWith("/filters ", StringComparison.Ordinal))
        {
            string arg = line[8..].Trim().ToLowerInvariant();
            if (arg is "off" or "clear" or "none")
            {
                session.DroppedFilters.UnionWith(["date", "place", "camera", "folder", "text"]);
                Ui.Info("Filters dropped: the next search looks at every photo.");
                return "";
            }

            if (arg.StartsWith("drop ", StringComparison.Ordinal) && arg[5..].Trim() is "date" or "place" or "camera" or "folder" or "text")
            {
                session.DroppedFilters.Add(arg[5..].Trim());
                Ui.Info($"The {arg[5..].Trim()} filter is dropped.");
                return "";
            }

            if (arg.Length > 0)
            {
                throw new ArgumentException("Use /filters (show them), /filters off, or /filters drop date|place|camera|folder|text.");
            }

            Planning.SearchPlan? plan = session.LastTurn?.Plan;
            Ui.Info(plan is null || (!plan.HasFilters && plan.TextInImage.Count == 0)
                ? "No filters are active. Name a date, a place, a camera or words in the picture in your request."
                : "Active: " + string.Join("; ", plan.DescribeFilters().Concat(plan.TextInImage.Select(t => $"text \"{t}\""))) + ". Drop one with /filters drop date|place|camera|folder|text, or say \"any year\", \"anywhere\", \"any camera\".");
            return null;
        }

        if (line.StartsWith('/'))
        {
            throw new ArgumentException($"Unknown command {line.Split(' ')[0]}. Commands: /why, /filters, /image <file>, /image off, /reset, /help, /quit; feedback: +2 -5, like 2, dislike 3, more like 1.");
        }

        if (FeedbackRegex().Match(line) is { Success: true } m)
        {
            foreach (Capture c in m.Groups["item"].Captures)
            {
                string item = c.Value;
                long id = Resolve(session, int.Parse(item[1..], CultureInfo.InvariantCulture));
                if (item[0] == '+')
                {
                    session.Like(id);
                }
                else
                {
                    session.Dislike(id);
                }
            }

            return "";
        }

        if (WordFeedbackRegex().Match(line) is { Success: true } w)
        {
            long id = Resolve(session, int.Parse(w.Groups["n"].Value, CultureInfo.InvariantCulture));
            switch (w.Groups["verb"].Value.ToLowerInvariant())
            {
                case "like":
                    session.Like(id);
                    break;
                case "dislike":
                    session.Dislike(id);
                    break;
                default:
                    session.AddMoreLike(id);
                    break;
            }

            return "";
        }

        return line;
    }

    private static long Resolve(SearchSession session, int rank)
    {
        if (rank < 1 || rank > session.LastResults.Count)
        {
            throw new ArgumentException(session.LastResults.Count == 0
                ? "There are no results yet to give feedback on."
                : $"There is no result {rank}: the last answer showed {session.LastResults.Count}.");
        }

        return session.LastResults[rank - 1].Id;
    }

    private static async Task RunTurnAsync(RetrievalAgent agent, EmbeddedImageIndex index, SearchSession session, string message, bool json, CancellationToken token)
    {
        AgentTurnResult? result = null;
        await foreach (AgentUpdate update in agent.RunTurnStreamingAsync(session, message, token))
        {
            switch (update)
            {
                case AnswerDelta delta when !json:
                    Console.Out.Write(delta.Text);
                    await Console.Out.FlushAsync(token);
                    break;
                case TurnCompleted done:
                    result = done.Result;
                    break;
            }
        }

        if (result is null)
        {
            return;
        }

        if (json)
        {
            JsonOutput.Write(new
            {
                query = result.Query,
                plan = result.Plan.ToJson(),
                total_matches = result.TotalMatches,
                negative_terms = result.NegativeTerms,
                answer = result.Answer,
                pick = result.Pick?.Path,
                no_match = result.NoMatch,
                clarifying_question = result.ClarifyingQuestion,
                degraded = result.Degraded,
                candidates = result.CandidateCount,
                stages = result.Stages.Select(s => new { stage = s.Stage, ran = s.Ran, degraded = s.Degraded, detail = s.Detail, ms = Math.Round(s.Elapsed.TotalMilliseconds, 1) }),
                cascade = result.Cascade?.ToJson(),
                results = result.Results.Select((r, i) =>
                {
                    Search.PhotoDetails? d = Search.PhotoDetails.Of(index, r.Id);
                    return new { rank = i + 1, id = r.Id, path = r.Path, score = Math.Round(r.FinalScore, 6), retrieval = Math.Round(r.RetrievalScore, 6), llm = r.LlmScore, text_judge = r.TextScore, caption = r.Caption, description = d?.Description, taken_at = d?.TakenAtIso, place = d?.Place, camera = d?.Camera, text = d?.Text };
                }),
            });
            return;
        }

        Console.Out.WriteLine();
        Console.Out.WriteLine("plan: " + result.Plan.Describe());
        var table = new Table().AddColumn("rank").AddColumn("score").AddColumn("taken").AddColumn("place").AddColumn("path").AddColumn("caption");
        for (int i = 0; i < result.Results.Count; i++)
        {
            RankedImage r = result.Results[i];
            string score = result.Plan.IsFilterOnly ? "" : r.FinalScore.ToString("0.000", CultureInfo.InvariantCulture) + (r.LlmScore is double p ? string.Create(CultureInfo.InvariantCulture, $" (llm {p:0.00})") : "");
            bool isPick = result.Pick?.Id == r.Id;
            Search.PhotoDetails? d = Search.PhotoDetails.Of(index, r.Id);
            table.AddRow((i + 1).ToString(CultureInfo.InvariantCulture) + (isPick ? " *" : ""), score,
                d?.TakenAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "", Markup.Escape(d?.Place ?? ""), Markup.Escape(r.Path), Markup.Escape(r.Caption ?? d?.Text ?? ""));
        }

        Ui.Out.Write(table);
    }

    private static void Why(SearchSession session)
    {
        AgentTurnResult? last = session.LastTurn;
        if (last is null)
        {
            Ui.Info("Nothing yet: ask for an image first.");
            return;
        }

        Console.Out.WriteLine("plan: " + last.Plan.Describe() + $" ({last.Plan.Source})");
        foreach (StageReport s in last.Stages)
        {
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {s.Stage,-8} {(s.Ran ? "ran" : "off"),-4} {(s.Degraded ? "DEGRADED " : "")}{s.Elapsed.TotalMilliseconds,8:0} ms  {s.Detail}"));
        }

        Console.Out.WriteLine($"pick: {last.Pick?.Path ?? "none"}; reason: {last.Reason}");
    }

    [GeneratedRegex(@"^(?:(?<item>[+-]\d+)\s*)+$")]
    private static partial Regex FeedbackRegex();

    [GeneratedRegex(@"^(?<verb>like|dislike|more like)\s+(?<n>\d+)$", RegexOptions.IgnoreCase)]
    private static partial Regex WordFeedbackRegex();
}
