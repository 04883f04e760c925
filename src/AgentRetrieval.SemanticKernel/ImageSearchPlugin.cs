using System.ComponentModel;
using AgentRetrieval.Tools;
using Microsoft.Extensions.Logging;
using Microsoft.SemanticKernel;

namespace AgentRetrieval.SemanticKernel;

/// <summary>
/// Semantic Kernel functions for finding the user's images: search, refine with feedback, find similar, describe and
/// index an allowed folder. Failures come back as readable text (and are logged), never as exceptions through the model.
/// </summary>
public sealed partial class ImageSearchPlugin(ImageSearchTools tools, ILogger<ImageSearchPlugin> logger)
{
    /// <summary>Searches the user's indexed images by description.</summary>
    /// <param name="query">What the image shows.</param>
    /// <param name="top">How many results.</param>
    /// <param name="from">Taken on or after (2019, 2019-03 or 2019-03-05), or empty.</param>
    /// <param name="to">Taken on or before, or empty.</param>
    /// <param name="place">A city or country, or empty.</param>
    /// <param name="camera">A camera or phone, or empty.</param>
    /// <param name="text">Words written in the picture, or empty.</param>
    /// <param name="folder">A folder name in the path, or empty.</param>
    /// <param name="cancellationToken">Cancels.</param>
    [KernelFunction("search_images")]
    [Description("Searches the user's own photos by a description of what is visible (objects, people, scene, colours, action), with optional filters on date, place, camera, words in the picture and folder (also understood from the description, such as 'beach photos from Lisbon in 2019'). Returns numbered results with id, score, file and caption, and a session id to refine the search.")]
    public Task<ImageSearchResult> SearchImagesAsync(
        [Description("What the wanted image shows, in plain words, for example 'two dogs playing in snow'.")] string query,
        [Description("How many results to return (1-20).")] int top = 5,
        [Description("Taken on or after this date: '2019', '2019-03' or '2019-03-05'. Empty for no limit.")] string from = "",
        [Description("Taken on or before this date, same forms. Empty for no limit.")] string to = "",
        [Description("Taken in this city or country, for example 'Lisbon' or 'Japan'. Empty for anywhere.")] string place = "",
        [Description("Taken with this camera or phone, for example 'Nikon' or 'iPhone'. Empty for any.")] string camera = "",
        [Description("Words written in the picture (signs, documents, receipts). Empty for none.")] string text = "",
        [Description("A folder name the photo's path contains. Empty for any.")] string folder = "",
        CancellationToken cancellationToken = default) =>
        RunAsync("search_images", () => tools.SearchImagesAsync(query, new Planning.ExplicitFilters(from, to, place, camera, text, folder), top, cancellationToken));


    /// <summary>Refines an earlier search with the user's feedback.</summary>
    /// <param name="session">The session id that search_images returned.</param>
    /// <param name="likes">Result numbers the user likes.</param>
    /// <param name="dislikes">Result numbers the user dislikes.</param>
    /// <param name="feedback">New words from the user.</param>
    /// <param name="top">How many results.</param>
    /// <param name="cancellationToken">Cancels.</param>
    [KernelFunction("refine_search")]
    [Description("Refines an earlier image search with the user's feedback: result numbers they like or dislike, and/or new words. Liked images pull the next results towards them; disliked ones are removed.")]
    public Task<ImageSearchResult> RefineSearchAsync(
        [Description("The session id returned by search_images.")] string session,
        [Description("Result numbers the user likes, comma-separated, for example '1, 3'. Empty if none.")] string likes = "",
        [Description("Result numbers the user dislikes, comma-separated. Empty if none.")] string dislikes = "",
        [Description("New words from the user, for example 'but at night'. Empty if none.")] string feedback = "",
        [Description("How many results to return (1-20).")] int top = 5,
        CancellationToken cancellationToken = default) =>
        RunAsync("refine_search", () => tools.RefineSearchAsync(session, likes, dislikes, feedback, top, cancellationToken));

    /// <summary>Finds images that look like a given one.</summary>
    /// <param name="image">A result id or an absolute path inside an allowed folder.</param>
    /// <param name="top">How many results.</param>
    /// <param name="cancellationToken">Cancels.</param>
    [KernelFunction("find_similar")]
    [Description("Finds the user's images that look like a given image: pass a result id (for example '12') or an absolute file path inside an allowed folder.")]
    public Task<ImageSearchResult> FindSimilarAsync(
        [Description("A result id such as '12', or an absolute path of an image inside an allowed folder.")] string image,
        [Description("How many results to return (1-20).")] int top = 5,
        CancellationToken cancellationToken = default) =>
        RunAsync("find_similar", () => tools.FindSimilarAsync(image, top, cancellationToken));

    /// <summary>Describes an image with the configured multimodal LLM.</summary>
    /// <param name="image">A result id or an absolute path inside an allowed folder.</param>
    /// <param name="cancellationToken">Cancels.</param>
    [KernelFunction("describe_image")]
    [Description("Describes what an image shows, using the local multimodal model (only when one is configured). Pass a result id or an absolute path inside an allowed folder.")]
    public Task<ImageSearchResult> DescribeImageAsync(
        [Description("A result id such as '12', or an absolute path of an image inside an allowed folder.")] string image,
        CancellationToken cancellationToken = default) =>
        RunAsync("describe_image", () => tools.DescribeImageAsync(image, cancellationToken));

    /// <summary>Indexes a folder of images, if it is inside a folder the configuration allows.</summary>
    /// <param name="path">An absolute folder path.</param>
    /// <param name="cancellationToken">Cancels.</param>
    [KernelFunction("index_folder")]
    [Description("Adds a folder of images to the search index (only folders the user allowed in the configuration). New and changed images are embedded; it may take a while for large folders.")]
    public Task<ImageSearchResult> IndexFolderAsync(
        [Description("The absolute path of the folder to index.")] string path,
        CancellationToken cancellationToken = default) =>
        RunAsync("index_folder", () => tools.IndexFolderAsync(path, cancellationToken));

    private async Task<ImageSearchResult> RunAsync(string function, Func<Task<ToolResult>> call)
    {
        try
        {
            ToolResult result = await call();
            if (result.IsError)
            {
                Log.FunctionRefused(logger, function, result.Text);
            }

            return ImageSearchResult.From(result);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception ex)
        {
            Log.FunctionFailed(logger, function, ex);
            return new ImageSearchResult($"Error: {function} failed ({ex.GetType().Name}: {ex.Message.Split('\n')[0]}).", [], true);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "{Function} refused the call: {Reason}")]
        public static partial void FunctionRefused(ILogger logger, string function, string reason);

        [LoggerMessage(EventId = 401, Level = LogLevel.Error, Message = "{Function} failed.")]
        public static partial void FunctionFailed(ILogger logger, string function, Exception exception);
    }
}
