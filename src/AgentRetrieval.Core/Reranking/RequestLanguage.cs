namespace AgentRetrieval.Reranking;

/// <summary>
/// Whether a request is likely English: an English-only judge (MiniLM) must not be the only judge of a request in another
/// language. A cheap guess from the script and from function words of the common European languages.
/// </summary>
public static class RequestLanguage
{
    private static readonly HashSet<string> s_english = new(StringComparer.OrdinalIgnoreCase)
    {
        "the", "a", "an", "of", "with", "and", "in", "on", "at", "my", "photo", "picture", "from", "where", "some", "two", "is", "are", "near", "under", "next", "to",
    };

    private static readonly HashSet<string> s_other = new(StringComparer.OrdinalIgnoreCase)
    {
        // French, German, Spanish, Italian, Portuguese, Dutch function words that English does not use.
        "le", "la", "les", "des", "du", "une", "avec", "sur", "dans", "et", "der", "die", "das", "ein", "eine", "mit", "und", "auf", "im", "el", "los", "las",
        "con", "una", "del", "y", "il", "di", "della", "uno", "gli", "o", "os", "um", "uma", "com", "het", "een", "met", "op", "en", "van", "foto", "bild",
        "chien", "chat", "hund", "perro", "playa", "plage", "strand",
    };

    /// <summary>Whether <paramref name="request"/> looks like English (empty counts as English).</summary>
    /// <param name="request">The request.</param>
    public static bool LooksEnglish(string request)
    {
        ArgumentNullException.ThrowIfNull(request);
        int letters = 0, latin = 0;
        foreach (char c in request)
        {
            if (char.IsLetter(c))
            {
                letters++;
                latin += c < 128 ? 1 : 0;
            }
        }

        if (letters == 0)
        {
            return true;
        }

        if (latin < letters * 0.9)
        {
            // Another script (CJK, Cyrillic, Arabic …) or many accented letters.
            return false;
        }

        string[] words = request.Split([' ', ',', '.', ';', ':', '!', '?', '"', '\'', '(', ')', '-'], StringSplitOptions.RemoveEmptyEntries);
        int english = words.Count(s_english.Contains), other = words.Count(s_other.Contains);
        return other <= english;
    }
}
