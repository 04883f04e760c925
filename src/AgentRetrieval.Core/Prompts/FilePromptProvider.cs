using System.Collections.Concurrent;

namespace AgentRetrieval.Prompts;

/// <summary>Reads prompts from <c>&lt;name&gt;.md</c> files in a folder (the repository's <c>prompts/</c>, copied beside the program).</summary>
/// <remarks>Thread-safe; each file is read once.</remarks>
public sealed class FilePromptProvider : IPromptProvider
{
    private readonly string _directory;
    private readonly ConcurrentDictionary<string, PromptTemplate> _cache = new(StringComparer.Ordinal);

    /// <summary>Creates the provider.</summary>
    /// <param name="directory">The prompts folder.</param>
    public FilePromptProvider(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        _directory = directory;
    }

    /// <summary>The prompts folder beside the running program.</summary>
    public static string DefaultDirectory => Path.Combine(AppContext.BaseDirectory, "prompts");

    /// <inheritdoc/>
    public PromptTemplate GetPrompt(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return _cache.GetOrAdd(name, n =>
        {
            if (n.Contains('/', StringComparison.Ordinal) || n.Contains('\\', StringComparison.Ordinal) || n.Contains("..", StringComparison.Ordinal))
            {
                throw new KeyNotFoundException($"'{n}' is not a prompt name.");
            }

            string path = Path.Combine(_directory, n + ".md");
            if (!File.Exists(path))
            {
                throw new KeyNotFoundException($"There is no prompt '{n}' ({path}).");
            }

            return PromptTemplate.Parse(n, File.ReadAllText(path));
        });
    }
}
