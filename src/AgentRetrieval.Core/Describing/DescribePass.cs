using System.Diagnostics;
using AgentRetrieval.Agent;
using AgentRetrieval.Indexing;
using AgentRetrieval.Prompts;
using AgentRetrieval.Resilience;
using AgentRetrieval.Telemetry;
using Microsoft.Extensions.AI;
using Polly;

namespace AgentRetrieval.Describing;

/// <summary>
/// The enrichment pass: the multimodal LLM looks once at every image this model has not described yet (most recent
/// photos first) and writes a <see cref="DescriptionRecord"/>, stored in the catalogue with the model's identity and
/// indexed for full-text search; the reranker judges candidates by it. An answer that is not a valid record is asked
/// for once more, then kept as a plain description. Each image commits on its own: the pass can stop at any moment (a
/// budget, Ctrl+C, a kill) and the next run resumes with the images still left.
/// </summary>
/// <remarks>One pass at a time per index; the LLM client serialises its own calls.</remarks>
public sealed class DescribePass
{
    private readonly IChatClient _chat;
    private readonly EmbeddedImageIndex _index;
    private readonly IPromptProvider _prompts;
    private readonly AgentOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly ImageSource _images;
    private readonly TimeProvider _time;

    /// <summary>Creates the pass.</summary>
    /// <param name="chat">The multimodal LLM.</param>
    /// <param name="index">The index whose images are described.</param>
    /// <param name="prompts">The prompt files (<c>describe</c>).</param>
    /// <param name="options">Image size, output length and call timeout.</param>
    /// <param name="maxPixels">The largest image decoded.</param>
    /// <param name="timeProvider">The clock.</param>
    public DescribePass(IChatClient chat, EmbeddedImageIndex index, IPromptProvider prompts, AgentOptions options, long maxPixels = Imaging.ImageLoader.DefaultMaxPixels, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(chat);
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        _chat = chat;
        _index = index;
        _prompts = prompts;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _pipeline = LlmResilience.CreatePipeline(options, _time);
        _images = new ImageSource(null, maxPixels);
        Model = ModelIdentityOf(chat);
    }

    /// <summary>The describing model's identity, stored with each record (a new model describes the library again).</summary>
    public string Model { get; }

    /// <summary>The identity of a chat client's model: provider and model id.</summary>
    /// <param name="chat">The client.</param>
    public static string ModelIdentityOf(IChatClient chat)
    {
        ArgumentNullException.ThrowIfNull(chat);
        ChatClientMetadata? m = chat.GetService<ChatClientMetadata>();
        return $"{m?.ProviderName ?? "llm"}:{m?.DefaultModelId ?? "unknown"}";
    }

    /// <summary>Describes the images that need it, most recent first, until done, <paramref name="budget"/> or cancellation.</summary>
    /// <param name="progress">Receives ("describe", done, total, file).</param>
    /// <param name="budget">Stops after the image in flight once this much time has passed (null: no limit).</param>
    /// <param name="limit">Describes at most this many images (null: all).</param>
    /// <param name="yieldTo">While this says true (a chat turn is running), the pass waits before its next image, so that
    /// the turn has the model to itself.</param>
    /// <param name="cancellationToken">Stops after the image in flight (what was stored stays).</param>
    /// <returns>What was done.</returns>
    public async Task<DescribePassReport> RunAsync(IProgress<IndexProgress>? progress = null, TimeSpan? budget = null, int? limit = null, Func<bool>? yieldTo = null, CancellationToken cancellationToken = default)
    {
        long started = _time.GetTimestamp();
        using Activity? activity = AgentTelemetry.Source.StartActivity("agentretrieval.index.describe");
        activity?.SetTag("agentretrieval.describe.model", Model);
        IReadOnlyList<(long Id, string Hash, string Path)> pending = _index.ImagesNeedingDescription(Model);
        int total = limit is int l ? Math.Min(l, pending.Count) : pending.Count;
        var failed = new List<SkippedFile>();
        int described = 0, structured = 0, done = 0;
        string? stoppedBy = null;
        PromptTemplate template = _prompts.GetPrompt("describe");
        progress?.Report(new IndexProgress("describe", 0, total, null));
        foreach ((_, string hash, string path) in pending.Take(total))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                stoppedBy = "cancelled";
                break;
            }

            if (budget is { } b && _time.GetElapsedTime(started) >= b)
            {
                stoppedBy = "budget";
                break;
            }

            while (yieldTo?.Invoke() == true && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), _time, CancellationToken.None);
            }

            DataContent picture;
            try
            {
                picture = await _images.ReadAsync(path, _options.DescribeImageSide, cancellationToken);
            }
            catch (Exception ex) when (ex is Imaging.InvalidImageException or IOException or UnauthorizedAccessException)
            {
                failed.Add(new SkippedFile(path, $"not described: {ex.Message}"));
                progress?.Report(new IndexProgress("describe", ++done, total, path));
                continue;
            }

            DescriptionRecord record;
            try
            {
                record = await DescribeAsync(template, picture, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                stoppedBy = "cancelled";
                break;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The model itself failed (timeout, crash, server down): stop, keep what was stored, say why.
                stoppedBy = "the model failed: " + LlmResilience.Describe(ex);
                break;
            }

            _index.SetDescription(hash, Model, record.ToJson(), record.SearchText());
            described++;
            structured += record.Structured ? 1 : 0;
            progress?.Report(new IndexProgress("describe", ++done, total, path));
        }

        AgentTelemetry.ImagesSkipped.Add(failed.Count, new KeyValuePair<string, object?>("pass", "describe"));
        activity?.SetTag("agentretrieval.index.described", described);
        // What is left: this run's list less what it described (unreadable ones stay to do).
        return new DescribePassReport(described, structured, pending.Count - described, failed, _time.GetElapsedTime(started), Model, stoppedBy);
    }

    /// <summary>Asks for the record; an invalid answer is asked for once more with the reason, then kept as plain text.</summary>
    private async Task<DescriptionRecord> DescribeAsync(PromptTemplate template, DataContent picture, CancellationToken cancellationToken)
    {
        List<ChatMessage> messages = PromptMessages.Build(template, new Dictionary<string, string> { ["image"] = PromptTemplate.ImageMarker }, [picture]);
        string answer = await CompleteAsync(messages, cancellationToken);
        if (DescriptionRecord.TryParse(answer, out DescriptionRecord record, out string error))
        {
            return record;
        }

        messages.Add(new ChatMessage(ChatRole.Assistant, answer));
        messages.Add(new ChatMessage(ChatRole.User, $"That was not a valid record ({error}). Answer with the JSON object only."));
        string retry = await CompleteAsync(messages, cancellationToken);
        return DescriptionRecord.TryParse(retry, out record, out _) ? record
            : DescriptionRecord.Plain(Usable(answer) ? answer : retry);
    }

    private static bool Usable(string answer) => answer.Count(char.IsLetter) >= 3;

    private async Task<string> CompleteAsync(List<ChatMessage> messages, CancellationToken cancellationToken)
    {
        var options = new ChatOptions { MaxOutputTokens = _options.DescribeMaxOutputTokens, Temperature = 0f };
        ChatResponse response = await _pipeline.ExecuteAsync(async ct => await _chat.GetResponseAsync(messages, options, ct), cancellationToken);
        return response.Text.Trim();
    }
}
