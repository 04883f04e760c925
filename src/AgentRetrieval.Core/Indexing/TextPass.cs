using System.Diagnostics;
using AgentRetrieval.Imaging;
using AgentRetrieval.Ocr;
using AgentRetrieval.Telemetry;

namespace AgentRetrieval.Indexing;

/// <summary>
/// The second indexing pass: recognises the text in every image whose text this recogniser's version has not read yet
/// (most recent photos first) and stores it in the full-text index. Search works before it starts; each image commits on
/// its own, so the pass can stop at any moment and resume where it was.
/// </summary>
public sealed class TextPass
{
    private readonly IImageTextRecognizer _recognizer;
    private readonly EmbeddedImageIndex _index;
    private readonly IndexingOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the pass.</summary>
    /// <param name="recognizer">The OCR.</param>
    /// <param name="index">The index.</param>
    /// <param name="options">File limits.</param>
    /// <param name="timeProvider">The clock.</param>
    public TextPass(IImageTextRecognizer recognizer, EmbeddedImageIndex index, IndexingOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(recognizer);
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(options);
        _recognizer = recognizer;
        _index = index;
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Recognises the text of every image that needs it.</summary>
    /// <param name="progress">Receives ("text", done, total, file).</param>
    /// <param name="cancellationToken">Stops after the image in flight.</param>
    /// <returns>What was done.</returns>
    public async Task<TextPassReport> RunAsync(IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        long started = _time.GetTimestamp();
        using Activity? activity = AgentTelemetry.Source.StartActivity("agentretrieval.index.text");
        activity?.SetTag("agentretrieval.ocr.model", _recognizer.Name);
        IReadOnlyList<(long Id, string Hash, string Path)> pending = _index.ImagesNeedingText(_recognizer.Version);
        var failed = new List<SkippedFile>();
        int done = 0, withText = 0;
        progress?.Report(new IndexProgress("text", 0, pending.Count, null));
        foreach ((_, string hash, string path) in pending)
        {
            cancellationToken.ThrowIfCancellationRequested();
            IReadOnlyList<RecognizedLine> lines;
            try
            {
                byte[] data = ImageFile.ReadAllBytes(path, _options.MaxFileBytes);
                lines = await _recognizer.RecognizeAsync(data, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                // Recorded as read (with no text), so that one bad image is not retried on every run; reported.
                failed.Add(new SkippedFile(path, $"text not recognised: {ex.Message}"));
                lines = [];
            }

            _index.SetText(hash, [.. lines.Select(l => (l.Text, l.Confidence))], _recognizer.Version);
            done++;
            withText += lines.Count > 0 ? 1 : 0;
            progress?.Report(new IndexProgress("text", done, pending.Count, path));
        }

        AgentTelemetry.ImagesSkipped.Add(failed.Count, new KeyValuePair<string, object?>("pass", "text"));
        activity?.SetTag("agentretrieval.index.recognized", done);
        activity?.SetTag("agentretrieval.index.with_text", withText);
        return new TextPassReport(done, withText, failed, _time.GetElapsedTime(started)) { Model = _recognizer.Name };
    }
}
