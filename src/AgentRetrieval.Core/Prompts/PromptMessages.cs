using Microsoft.Extensions.AI;

namespace AgentRetrieval.Prompts;

/// <summary>Turns a rendered prompt into chat messages, putting images where the template's image markers stand.</summary>
public static class PromptMessages
{
    /// <summary>Builds [system, user] messages.</summary>
    /// <param name="template">The prompt.</param>
    /// <param name="values">Text values (data); use <see cref="PromptTemplate.ImageMarker"/> inside <c>image</c>/<c>images</c> values for images.</param>
    /// <param name="images">The images, in marker order.</param>
    /// <returns>The messages.</returns>
    /// <exception cref="ArgumentException">The number of markers and images differ.</exception>
    public static List<ChatMessage> Build(PromptTemplate template, IReadOnlyDictionary<string, string> values, IReadOnlyList<DataContent>? images = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        (string system, string user) = template.Render(values);
        images ??= [];
        string[] pieces = user.Split(PromptTemplate.ImageMarker);
        if (pieces.Length - 1 != images.Count)
        {
            throw new ArgumentException($"Prompt '{template.Name}' has {pieces.Length - 1} image places for {images.Count} images.", nameof(images));
        }

        var contents = new List<AIContent>();
        for (int i = 0; i < pieces.Length; i++)
        {
            if (pieces[i].Length > 0)
            {
                contents.Add(new TextContent(pieces[i]));
            }

            if (i < images.Count)
            {
                contents.Add(images[i]);
            }
        }

        return [new ChatMessage(ChatRole.System, system), new ChatMessage(ChatRole.User, contents)];
    }
}
