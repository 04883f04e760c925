using System.Runtime.InteropServices;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Embeddings;

/// <summary>
/// An image encoder that can decode and preprocess images apart from running its model (found with
/// <c>GetService(typeof(IImagePreparation))</c> on the generator): the indexer prepares images on its own threads while
/// the model embeds the previous batch, and hands the prepared images to the same generator's <c>GenerateAsync</c>.
/// </summary>
public interface IImagePreparation
{
    /// <summary>Decodes and preprocesses one encoded image into the model's input.</summary>
    /// <param name="image">The encoded image.</param>
    /// <returns>A content the same generator embeds without decoding it again (<see cref="PreparedImages"/>).</returns>
    /// <exception cref="Imaging.InvalidImageException">The image cannot be decoded or is too large.</exception>
    DataContent Prepare(DataContent image);
}

/// <summary>The content type of prepared images: the model input's floats, tagged with the preparation that made them.</summary>
public static class PreparedImages
{
    /// <summary>The media type of a prepared image.</summary>
    public const string MediaType = "application/vnd.agentretrieval.pixels";

    private const string PreparedBy = "agentretrieval.prepared_by";

    /// <summary>Wraps model input floats.</summary>
    /// <param name="pixels">The floats.</param>
    /// <param name="preparedBy">Who prepared them (a model's preprocessing fingerprint); checked when embedding.</param>
    /// <param name="name">The image's name, for messages.</param>
    public static DataContent Create(float[] pixels, string preparedBy, string? name) =>
        new(MemoryMarshal.AsBytes(pixels.AsSpan()).ToArray(), MediaType)
        {
            Name = name,
            AdditionalProperties = new AdditionalPropertiesDictionary { [PreparedBy] = preparedBy },
        };

    /// <summary>The floats of a prepared image made by <paramref name="preparedBy"/>, or null when the content is not one.</summary>
    /// <exception cref="ArgumentException">A prepared image of another preparation or size.</exception>
    public static ReadOnlySpan<float> Pixels(DataContent content, string preparedBy, int length)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (content.MediaType != MediaType)
        {
            return default;
        }

        if (content.AdditionalProperties?.TryGetValue(PreparedBy, out object? by) != true || by as string != preparedBy || content.Data.Length != length * sizeof(float))
        {
            throw new ArgumentException($"'{content.Name}' was prepared for another model or input size.", nameof(content));
        }

        return MemoryMarshal.Cast<byte, float>(content.Data.Span);
    }

    /// <summary>Whether the content is a prepared image.</summary>
    public static bool IsPrepared(DataContent content) => content?.MediaType == MediaType;
}
