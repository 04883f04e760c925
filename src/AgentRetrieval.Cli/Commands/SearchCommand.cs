using System.CommandLine;
using System.Globalization;
using AgentRetrieval.Cli.Hosting;
using AgentRetrieval.Indexing;
using AgentRetrieval.Onnx.Clip;
using Microsoft.Extensions.AI;
using Spectre.Console;

namespace AgentRetrieval.Cli.Commands;

/// <summary><c>agentretrieval search "&lt;text&gt;"</c> or <c>--image &lt;file&gt;</c>: the closest indexed images.</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var text = new Argument<string?>("text") { Description = "What to look for.", Arity = ArgumentArity.ZeroOrOne };
        var image = new Option<string?>("--image") { Description = "Search with an image file instead of text." };
        var top = new Option<int?>("--top", "-n") { Description = "How many results (default: Search:Top, 10)." };
        var codes = new Option<int?>("--codes") { Description = "Search with the stored binary codes of this length (Hamming shortlist, exact re-score)." };
        var shortlist = new Option<int>("--shortlist") { Description = "With --codes: candidates re-scored exactly.", DefaultValueFactory = _ => 1024 };
        var command = new Command("search", "Search the index by text or by image.") { text, image, top, codes, shortlist };
        command.SetAction((result, ct) => CommandLine.RunAsync(async token =>
        {
            CliSettings settings = CliSettings.Load(CommandLine.Globals(result));
            bool json = result.GetValue(CommandLine.Json);
            string? query = result.GetValue(text);
            string? imagePath = result.GetValue(image);
            int k = result.GetValue(top) ?? settings.Search.Top;
            if (k <= 0)
            {
                throw new SettingsException("--top must be at least 1.");
            }

            if (imagePath is null)
            {
                if (string.IsNullOrWhiteSpace(query))
                {
                    throw new SettingsException("Give a text to search for, for example: agentretrieval search \"a dog on the beach\", or --image <file>.");
                }

                if (query.Length > settings.Search.MaxQueryCharacters)
                {
                    throw new SettingsException($"The query has {query.Length} characters; the limit is {settings.Search.MaxQueryCharacters} (Search:MaxQueryCharacters). CLIP reads at most 77 tokens anyway.");
                }
            }
            else if (!string.IsNullOrWhiteSpace(query))
            {
                throw new SettingsException("Give either a text or --image, not both.");
            }

            if (!EmbeddedImageIndex.Exists(settings.Indexing.IndexDirectory))
            {
                throw new SettingsException($"There is no index in '{settings.Indexing.IndexDirectory}'. Run 'agentretrieval index <folder>' first (or pass --index).");
            }

            using Encoders model = await ModelResolver.LoadEncodersAsync(settings, token);
            using EmbeddedImageIndex index = EmbeddedImageIndex.Open(settings.Indexing.IndexDirectory);
            if (index.Count == 0)
            {
                throw new SettingsException($"The index in '{settings.Indexing.IndexDirectory}' is empty. Run 'agentretrieval index <folder>' first.");
            }

            float[] vector;
            bool truncated = false;
            if (imagePath is not null)
            {
                byte[] data = File.ReadAllBytes(imagePath);
                var encoder = model.Images;
                vector = (await encoder.GenerateAsync([new DataContent(data, "application/octet-stream") { Name = imagePath }], cancellationToken: token))[0].Vector.ToArray();
            }
            else
            {
                truncated = model.Tokenizer is { } tokenizer && tokenizer.CountContentTokens(query) > tokenizer.MaxLength - 2;
                var encoder = model.Text;
                vector = (await encoder.GenerateAsync([query!], cancellationToken: token))[0].Vector.ToArray();
            }

            long started = TimeProvider.System.GetTimestamp();
            IReadOnlyList<ImageHit> hits;
            try
            {
                hits = result.GetValue(codes) is int bits
                    ? index.SearchBinary(vector, model.Identity, k, bits, result.GetValue(shortlist))
                    : index.Search(vector, model.Identity, k);
            }
            catch (InvalidOperationException ex) when (ex is not Embeddings.ModelIdentityMismatchException)
            {
                throw new SettingsException(ex.Message);
            }

            double searchMs = TimeProvider.System.GetElapsedTime(started).TotalMilliseconds;
            if (truncated)
            {
                Ui.Info($"note: the query is longer than CLIP's {model.Tokenizer!.MaxLength} tokens; only its beginning was used.");
            }

            if (json)
            {
                JsonOutput.Write(new
                {
                    query,
                    image = imagePath,
                    model = model.Identity.Key,
                    index = settings.Indexing.IndexDirectory,
                    search_ms = Math.Round(searchMs, 3),
                    results = hits.Select((h, i) => new { rank = i + 1, score = Math.Round(h.Score, 6), path = h.Path, id = h.Id }),
                });
                return 0;
            }

            var table = new Table().AddColumn("rank").AddColumn("score").AddColumn("path");
            for (int i = 0; i < hits.Count; i++)
            {
                table.AddRow((i + 1).ToString(CultureInfo.InvariantCulture), hits[i].Score.ToString("0.0000", CultureInfo.InvariantCulture), Markup.Escape(hits[i].Path));
            }

            Ui.Out.Write(table);
            Ui.Info($"{hits.Count} of {index.Count} images, searched in {searchMs:0.0} ms.");
            return 0;
        }, ct));
        return command;
    }
}
