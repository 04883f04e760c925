using AgentRetrieval.Agent;
using AgentRetrieval.Describing;
using AgentRetrieval.Indexing;
using AgentRetrieval.Prompts;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Cli.Hosting;

/// <summary>The describing pass as the commands run it: in the foreground (<c>index --describe</c>) or in the background of chat and serve.</summary>
internal static class Describer
{
    /// <summary>Runs the pass with a progress line (rate, ETA) every few seconds on standard error.</summary>
    public static async Task<DescribePassReport> RunAsync(CliSettings settings, EmbeddedImageIndex index, IChatClient chat, CancellationToken token,
        bool quiet = false, TimeSpan? budget = null, int? limit = null, Func<bool>? yieldTo = null, IProgress<IndexProgress>? also = null)
    {
        var pass = new DescribePass(chat, index, new FilePromptProvider(FilePromptProvider.DefaultDirectory), settings.Agent, settings.Indexing.MaxPixels);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        long last = -1;
        var progress = new SynchronousProgress<IndexProgress>(p =>
        {
            also?.Report(p);
            if (quiet || p.Total == 0 || (p.Done != p.Total && p.Done != 1 && last >= 0 && sw.ElapsedMilliseconds - last < 10_000))
            {
                return;
            }

            last = sw.ElapsedMilliseconds;
            double perHour = p.Done / Math.Max(sw.Elapsed.TotalHours, 1e-9);
            TimeSpan eta = perHour > 0 ? TimeSpan.FromHours((p.Total - p.Done) / perHour) : TimeSpan.Zero;
            Ui.Info($"describing photos: {p.Done}/{p.Total}, {perHour:0} per hour, about {Ui.Duration(eta)} left (most recent first; stop any time, the next run resumes)");
        });
        return await pass.RunAsync(progress, budget, limit, yieldTo, token);
    }

    /// <summary>Starts the pass in the background when Agent:Describe allows it (it waits while a turn runs); dispose to stop it.</summary>
    public static TextRecognition.BackgroundPass? StartInBackground(CliSettings settings, EmbeddedImageIndex index, IChatClient? chat, RetrievalAgent agent, CancellationToken token, IProgress<IndexProgress>? also = null)
    {
        if (chat is null || !settings.Agent.Describe)
        {
            return null;
        }

        string model = DescribePass.ModelIdentityOf(chat);
        Ui.Info($"({index.DescribedCount(model)} of {index.Count} photos described by {model}; describing the rest in the background, most recent first, pausing while you search. Agent:Describe=false turns it off.)");
        var cts = CancellationTokenSource.CreateLinkedTokenSource(token);
        Task task = Task.Run(async () =>
        {
            DescribePassReport report = await RunAsync(settings, index, chat, cts.Token, quiet: true, yieldTo: () => agent.TurnsInFlight > 0, also: also);
            if (report.Described > 0 || report.StoppedBy is { } s && s.StartsWith("the model", StringComparison.Ordinal))
            {
                Ui.Info($"(descriptions: {report.Described} photos described{(report.StoppedBy is { } why && why != "cancelled" ? $"; stopped: {why}" : "")})");
            }
        }, cts.Token);
        return new TextRecognition.BackgroundPass(cts, task);
    }
}
