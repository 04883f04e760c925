using System.Text.Json.Serialization;
using AgentRetrieval.Tools;
using Microsoft.SemanticKernel;

namespace AgentRetrieval.SemanticKernel;

/// <summary>
/// A plugin function's result: <see cref="Text"/> is what the model reads (the function result serialises to it), and
/// <see cref="Images"/> are the result thumbnails for hosts that can show them (read them in a function-invocation filter).
/// </summary>
public sealed class ImageSearchResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="text">The model-readable text.</param>
    /// <param name="images">Thumbnails.</param>
    /// <param name="isError">Whether the call failed.</param>
    public ImageSearchResult(string text, IReadOnlyList<ImageContent> images, bool isError)
    {
        Text = text;
        Images = images;
        IsError = isError;
    }

    /// <summary>What the model reads: ranks, scores, ids, paths, captions; or a readable failure.</summary>
    [JsonPropertyName("result")]
    public string Text { get; }

    /// <summary>Whether the call failed.</summary>
    [JsonPropertyName("is_error")]
    public bool IsError { get; }

    /// <summary>The images themselves (JPEG thumbnails), not sent to the model as text.</summary>
    [JsonIgnore]
    public IReadOnlyList<ImageContent> Images { get; }

    /// <inheritdoc/>
    public override string ToString() => Text;

    internal static ImageSearchResult From(ToolResult r) =>
        new(r.Text, [.. r.Images.Select(i => new ImageContent(i.Data, i.MediaType))], r.IsError);
}
