using System.ComponentModel.DataAnnotations;
using AgentRetrieval.Indexing;
using AgentRetrieval.Models;
using AgentRetrieval.Onnx.Clip;
using Microsoft.Extensions.Configuration;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>
/// The settings of one command run: <c>appsettings.json</c> beside the program, then <c>./appsettings.json</c>, then
/// environment variables prefixed <c>AGENTRETRIEVAL_</c> (for example <c>AGENTRETRIEVAL_Indexing__BatchSize=8</c>), then
/// the command line's options. Every section is validated before use.
/// </summary>
internal sealed class CliSettings
{
    public required ModelsOptions Models { get; init; }

    public required ClipModelOptions Clip { get; init; }

    public required ClipBatchOptions ClipBatches { get; init; }

    public required IndexingOptions Indexing { get; init; }

    public required SearchOptions Search { get; init; }

    public required Agent.AgentOptions Agent { get; init; }

    public required LlmOptions Llm { get; init; }

    public required Tools.ImageToolsOptions Tools { get; init; }

    public required Web.WebOptions Web { get; init; }

    public required Telemetry.TelemetryOptions Telemetry { get; init; }

    public required FolderWatcherOptions Watch { get; init; }

    public bool Offline { get; init; }

    public string ManifestPath { get; init; } = Path.Combine(AppContext.BaseDirectory, "models", "manifest.json");

    public static CliSettings Load(GlobalOptionValues values)
    {
        IConfigurationRoot config = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables("AGENTRETRIEVAL_")
            .Build();

        var models = Bind<ModelsOptions>(config, ModelsOptions.SectionName);
        var clip = Bind<ClipModelOptions>(config, ClipModelOptions.SectionName);
        var batches = Bind<ClipBatchOptions>(config, ClipModelOptions.SectionName);
        var indexing = Bind<IndexingOptions>(config, IndexingOptions.SectionName);
        var search = Bind<SearchOptions>(config, SearchOptions.SectionName);
        var agent = Bind<Agent.AgentOptions>(config, AgentRetrieval.Agent.AgentOptions.SectionName);
        var llm = Bind<LlmOptions>(config, LlmOptions.SectionName);
        var tools = Bind<Tools.ImageToolsOptions>(config, AgentRetrieval.Tools.ImageToolsOptions.SectionName);
        var web = Bind<Web.WebOptions>(config, AgentRetrieval.Web.WebOptions.SectionName);
        var telemetry = Bind<Telemetry.TelemetryOptions>(config, AgentRetrieval.Telemetry.TelemetryOptions.SectionName);
        var watch = Bind<FolderWatcherOptions>(config, FolderWatcherOptions.SectionName);

        if (values.Model is { } model)
        {
            clip.ModelDirectory = model;
        }

        if (values.Variant is { } variant)
        {
            clip.Variant = variant;
        }

        if (values.Index is { } index)
        {
            indexing.IndexDirectory = index;
        }

        if (values.BatchSize is { } batch)
        {
            indexing.BatchSize = batch;
        }

        if (values.MaxPixels is { } maxPixels)
        {
            indexing.MaxPixels = maxPixels;
        }

        clip.MaxPixels = indexing.MaxPixels;
        clip.ModelDirectory = clip.ModelDirectory == ModelResolver.OfflineDefault ? clip.ModelDirectory : ExpandPath(clip.ModelDirectory);
        models.Directory = ExpandPath(models.Directory);
        indexing.IndexDirectory = ExpandPath(indexing.IndexDirectory);
        foreach (IList<string> folders in new[] { tools.ReadableFolders, tools.IndexableFolders, web.IndexableFolders })
        {
            for (int i = 0; i < folders.Count; i++)
            {
                folders[i] = ExpandPath(folders[i]);
            }
        }

        bool offline = values.Offline || !models.AutoPull ||
            string.Equals(Environment.GetEnvironmentVariable("AGENTRETRIEVAL_OFFLINE"), "1", StringComparison.Ordinal);

        Validate(models, ModelsOptions.SectionName);
        Validate(indexing, IndexingOptions.SectionName);
        Validate(search, SearchOptions.SectionName);
        Validate(batches, ClipModelOptions.SectionName);
        Validate(agent, AgentRetrieval.Agent.AgentOptions.SectionName);
        Validate(llm, LlmOptions.SectionName);
        Validate(tools, AgentRetrieval.Tools.ImageToolsOptions.SectionName);
        Validate(web, AgentRetrieval.Web.WebOptions.SectionName);
        Validate(watch, FolderWatcherOptions.SectionName);
        if (!string.IsNullOrEmpty(clip.ModelDirectory) && clip.ModelDirectory != ModelResolver.OfflineDefault)
        {
            Validate(clip, ClipModelOptions.SectionName);
        }

        return new CliSettings { Models = models, Clip = clip, ClipBatches = batches, Indexing = indexing, Search = search, Agent = agent, Llm = llm, Tools = tools, Web = web, Telemetry = telemetry, Watch = watch, Offline = offline };
    }

    public static string ExpandPath(string path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return path;
        }

        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "");
        }

        return Path.GetFullPath(path);
    }

    private static T Bind<T>(IConfiguration config, string section)
        where T : new()
    {
        var options = new T();
        try
        {
            config.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new SettingsException($"Configuration section '{section}': {ex.Message}");
        }

        return options;
    }

    private static void Validate(object options, string section)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            throw new SettingsException($"Invalid configuration in section '{section}': " +
                string.Join("; ", results.Select(r => $"{string.Join(",", r.MemberNames)}: {r.ErrorMessage}")));
        }
    }
}
