namespace AgentRetrieval.Ocr;

/// <summary>Recognises the text written in a picture (OCR).</summary>
/// <remarks>Implementations are thread-safe.</remarks>
public interface IImageTextRecognizer
{
    /// <summary>The version of the recognition pipeline; images recognised by another version are recognised again.</summary>
    int Version { get; }

    /// <summary>A short name of the models ("PP-OCRv4 mobile").</summary>
    string Name { get; }

    /// <summary>Recognises the lines of text in an encoded image, top to bottom; low-confidence noise is dropped.</summary>
    /// <param name="image">The encoded image.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The lines.</returns>
    /// <exception cref="Imaging.InvalidImageException">The image cannot be decoded.</exception>
    Task<IReadOnlyList<RecognizedLine>> RecognizeAsync(ReadOnlyMemory<byte> image, CancellationToken cancellationToken = default);
}
