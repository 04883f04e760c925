using System.ComponentModel;
using System.Text.Json;
using AgentRetrieval.Tools;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentRetrieval.Mcp;

/// <summary>
/// The image-search tools over the Model Context Protocol: text for the model, thumbnails as MCP image content, and the
/// same result as structured content with a declared output schema (each result names its <c>image://</c> resources).
/// </summary>
[McpServerToolType]
internal sealed class McpImageTools(ImageSearchTools tools)
{
    [McpServerTool(Name = "search_images", ReadOnly = true, UseStructuredContent = true, OutputSchemaType = typeof(ImageSearchOutput))]
    [Description("Searches the user's own photos by a description of what is visible (objects, people, scene, colours, action), with optional filters on date, place, camera, words in the picture and folder (also understood from the description, such as 'beach photos from Lisbon in 2019'). Returns numbered results with id, score, file and caption, thumbnails, and a session id to refine the search.")]
    public async Task<CallToolResult> SearchImagesAsync(
        [Description("What the wanted image shows, for example 'two dogs playing in snow'.")] string query,
        [Description("How many results (1-20).")] int top = 5,
        [Description("Taken on or after this date: '2019', '2019-03' or '2019-03-05'. Empty for no limit.")] string from = "",
        [Description("Taken on or before this date, same forms. Empty for no limit.")] string to = "",
        [Description("Taken in this city or country, for example 'Lisbon' or 'Japan'. Empty for anywhere.")] string place = "",
        [Description("Taken with this camera or phone, for example 'Nikon' or 'iPhone'. Empty for any.")] string camera = "",
        [Description("Words written in the picture (signs, documents, receipts). Empty for none.")] string text = "",
        [Description("A folder name the photo's path contains. Empty for any.")] string folder = "",
        CancellationToken cancellationToken = default) =>
        Convert(await tools.SearchImagesAsync(query, new Planning.ExplicitFilters(from, to, place, camera, text, folder), top, cancellationToken));


    [McpServerTool(Name = "refine_search", ReadOnly = true, UseStructuredContent = true, OutputSchemaType = typeof(ImageSearchOutput))]
    [Description("Refines an earlier search with feedback: result numbers the user likes or dislikes, and/or new words.")]
    public async Task<CallToolResult> RefineSearchAsync(
        [Description("The session id returned by search_images.")] string session,
        [Description("Result numbers the user likes, for example '1, 3'.")] string likes = "",
        [Description("Result numbers the user dislikes.")] string dislikes = "",
        [Description("New words from the user, for example 'but at night'.")] string feedback = "",
        [Description("How many results (1-20).")] int top = 5,
        CancellationToken cancellationToken = default) =>
        Convert(await tools.RefineSearchAsync(session, likes, dislikes, feedback, top, cancellationToken));

    [McpServerTool(Name = "find_similar", ReadOnly = true, UseStructuredContent = true, OutputSchemaType = typeof(ImageSearchOutput))]
    [Description("Finds the user's images that look like a given image: a result id (for example '12') or an absolute path inside an allowed folder.")]
    public async Task<CallToolResult> FindSimilarAsync(
        [Description("A result id such as '12', or an absolute image path inside an allowed folder.")] string image,
        [Description("How many results (1-20).")] int top = 5,
        CancellationToken cancellationToken = default) =>
        Convert(await tools.FindSimilarAsync(image, top, cancellationToken));

    [McpServerTool(Name = "describe_image", ReadOnly = true, UseStructuredContent = true, OutputSchemaType = typeof(DescribeImageOutput))]
    [Description("Describes what an image shows with the local multimodal model (when one is configured).")]
    public async Task<CallToolResult> DescribeImageAsync(
        [Description("A result id such as '12', or an absolute image path inside an allowed folder.")] string image,
        CancellationToken cancellationToken = default) =>
        Convert(await tools.DescribeImageAsync(image, cancellationToken));

    [McpServerTool(Name = "index_folder", UseStructuredContent = true, OutputSchemaType = typeof(IndexFolderOutput))]
    [Description("Adds a folder of images to the index (only folders allowed with --allow-index).")]
    public async Task<CallToolResult> IndexFolderAsync(
        [Description("The absolute path of the folder.")] string path,
        CancellationToken cancellationToken = default) =>
        Convert(await tools.IndexFolderAsync(path, cancellationToken));

    private static CallToolResult Convert(ToolResult r) => new()
    {
        Content = [new TextContentBlock { Text = r.Text }, .. r.Images.Select(i => ImageContentBlock.FromBytes(i.Data, i.MediaType ?? "image/jpeg"))],
        StructuredContent = r.Data is null ? null : JsonSerializer.SerializeToElement(r.Data, r.Data.GetType()),
        IsError = r.IsError,
    };
}
