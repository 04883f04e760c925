using System.ComponentModel;
using System.Globalization;
using AgentRetrieval.Tools;
using Microsoft.Extensions.AI;
using ModelContextProtocol;
using ModelContextProtocol.Server;

namespace AgentRetrieval.Mcp;

/// <summary>
/// Indexed images as MCP resources, so a host can fetch a result after the tool call: <c>image://&lt;id&gt;</c> (the
/// image) and <c>image://&lt;id&gt;/thumbnail</c> (a small JPEG). Only catalogue ids are accepted, never paths.
/// </summary>
[McpServerResourceType]
internal sealed class McpImageResources(ImageSearchTools tools)
{
    [McpServerResource(UriTemplate = "image://{id}", Name = "image", MimeType = "image/jpeg")]
    [Description("An indexed image by its id (from a search result): the file when it is JPEG, PNG, GIF, WebP or AVIF, otherwise a JPEG of it (HEIC, RAW, TIFF, BMP).")]
    public Task<DataContent> ImageAsync(string id, CancellationToken cancellationToken = default) => ReadAsync(id, false, cancellationToken);

    [McpServerResource(UriTemplate = "image://{id}/thumbnail", Name = "image thumbnail", MimeType = "image/jpeg")]
    [Description("A small JPEG thumbnail of an indexed image by its id.")]
    public Task<DataContent> ThumbnailAsync(string id, CancellationToken cancellationToken = default) => ReadAsync(id, true, cancellationToken);

    private async Task<DataContent> ReadAsync(string id, bool thumbnail, CancellationToken cancellationToken)
    {
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            throw new McpException($"'{ImageSearchTools.Clean(id, 40)}' is not an image id; use the id of a search result, as in image://12.");
        }

        try
        {
            return await tools.ReadIndexedImageAsync(value, thumbnail, cancellationToken);
        }
        catch (ArgumentException ex)
        {
            throw new McpException(ex.Message);
        }
    }
}
