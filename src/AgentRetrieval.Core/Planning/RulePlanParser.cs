using System.Text.RegularExpressions;
using AgentRetrieval.Metadata;

namespace AgentRetrieval.Planning;

/// <summary>
/// Turns an English request into a <see cref="SearchPlan"/> with rules that always run: quoted text and "that says …"
/// become text to find; dates (years, months, ranges, seasons, relative dates) are resolved against today; "in Tokyo" /
/// "from Paris" become a place when the name is a place the index holds or the gazetteer knows; "taken with a Nikon"
/// becomes a camera matched against the cameras in the index; "not …", "without …", "no …" become negative terms;
/// "newest first" / "oldest" set the order. What is left is the visual query.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public static partial class RulePlanParser
{
    /// <summary>Words that are also place names: a place only when the index holds photos taken there.</summary>
    private static readonly HashSet<string> s_ordinaryWords = new(StringComparer.Ordinal)
    {
        "reading", "mobile", "bath", "nice", "split", "orange", "buffalo", "eagle", "hope", "sale", "wells", "march", "may",
        "august", "jordan", "chad", "georgia", "turkey", "china", "guinea", "beach", "park", "garden", "home", "lake", "river",
        "church", "school", "snow", "rain", "water", "night", "dark", "winter", "summer", "spring", "fall", "autumn", "town",
        "city", "centre", "center", "market", "harbour", "harbor", "bay", "hill", "hills", "valley", "mountains", "mountain",
        "forest", "desert", "field", "office", "kitchen", "bed", "car", "train", "boat", "sun", "sunset", "sunrise", "fog",
        "mist", "color", "colour", "focus", "motion", "love", "paradise", "eden", "university", "hospital", "zoo", "museum",
        "airport", "station", "street", "black", "white", "red", "green", "blue", "gold", "silver", "golden", "union",
        "liberty", "independence", "victory", "concord", "harmony", "friendship", "providence", "commerce", "industry",
        "progress", "temple", "marathon", "mercedes", "santa", "angel", "light", "ice", "fire", "stone", "rock", "sand", "wood",
        "woods", "grove", "bridge", "castle", "palace", "tower", "port", "haven", "carnival", "festival", "party",
    };

    /// <summary>Camera brands people name; a brand the index has no photos from still becomes a (matchless) filter.</summary>
    private static readonly HashSet<string> s_brands = new(StringComparer.OrdinalIgnoreCase)
    {
        "nikon", "canon", "sony", "fujifilm", "fuji", "olympus", "panasonic", "lumix", "leica", "pentax", "ricoh", "samsung",
        "iphone", "ipad", "huawei", "xiaomi", "oneplus", "gopro", "dji", "hasselblad", "kodak", "motorola", "nokia", "oppo",
        "vivo", "minolta", "konica", "casio", "sigma", "pixel", "galaxy", "apple", "google", "lg", "honor", "realme", "insta360",
    };

    /// <summary>Brand words too common to mean a camera unless the request says "taken with" / "shot on".</summary>
    private static readonly HashSet<string> s_weakBrands = new(StringComparer.OrdinalIgnoreCase) { "apple", "google", "pixel", "galaxy", "sigma", "honor", "vivo", "lg" };

    private static readonly HashSet<string> s_cameraNoise = new(StringComparer.OrdinalIgnoreCase)
    {
        "camera", "corporation", "corp", "company", "co", "ltd", "inc", "imaging", "digital", "optical", "electronics", "photo",
        "the", "a", "an", "my", "our", "phone",
    };

    private static readonly HashSet<string> s_filler = new(StringComparer.OrdinalIgnoreCase)
    {
        "photos", "photo", "pictures", "picture", "pics", "pic", "images", "image", "shots", "shot", "snaps", "snapshots",
        "show", "me", "find", "search", "for", "all", "my", "our", "the", "of", "taken", "from", "in", "at", "on", "with",
        "and", "any", "some", "every", "please", "that", "were", "was", "i", "took", "we", "get", "give", "look", "looking",
        "want", "see", "display", "list", "a", "an", "one", "ones", "everything", "stuff", "things", "files", "by", "during",
        "made", "captured", "only", "just", "also", "to", "date", "sorted", "order", "there", "recent", "what", "which", "have",
        "did", "do", "take", "got", "when",
    };

    /// <summary>Parses a request.</summary>
    /// <param name="request">The user's words.</param>
    /// <param name="context">Today, the index's places and cameras, the gazetteer.</param>
    /// <returns>The plan; its <see cref="SearchPlan.VisualQuery"/> is the request less everything turned into filters.</returns>
    public static SearchPlan Parse(string request, PlanContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        string text = " " + Spaces().Replace(request ?? "", " ").Trim() + " ";
        var notes = new List<string>();

        // 1. Quoted text is text to find in the picture.
        var texts = new List<string>();
        text = Quoted().Replace(text, m =>
        {
            string t = m.Groups["t"].Value.Trim();
            if (t.Length > 0)
            {
                texts.Add(t);
            }

            return " ";
        });

        // 2. Order.
        SearchSort sort = SearchSort.Relevance;
        text = SortWords().Replace(text, m =>
        {
            sort = m.Value.Contains("old", StringComparison.OrdinalIgnoreCase) || m.Value.Contains("chronolog", StringComparison.OrdinalIgnoreCase) || m.Value.Contains("earliest", StringComparison.OrdinalIgnoreCase)
                ? SearchSort.OldestFirst : SearchSort.NewestFirst;
            return " ";
        });

        // 4. Date.
        DateFilter? date = null;
        if (DateExpressions.Find(text, context.Today) is { } d)
        {
            date = d.Filter;
            text = text.Remove(d.Index, d.Length).Insert(d.Index, " ");
        }

        // 5. Folder.
        string? folder = null;
        text = FolderPhrase().Replace(text, m =>
        {
            folder ??= m.Groups["f"].Value.Trim();
            return " ";
        }, 1);

        // 6. Camera.
        CameraFilter? camera = null;
        Match cm = CameraPhrase().Match(text);
        if (cm.Success)
        {
            string[] words = cm.Groups["c"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int n = words.Length; n >= 1 && camera is null; n--)
            {
                string phrase = string.Join(' ', words.Take(n));
                camera = ResolveCamera(phrase, context, strong: true);
                if (camera is not null)
                {
                    int start = cm.Groups["c"].Index;
                    int end = start + phrase.Length;
                    text = text[..cm.Index] + " " + text[end..];
                }
            }
        }

        if (camera is null)
        {
            foreach (Match w in Word().Matches(text))
            {
                if (ResolveCamera(w.Value, context, strong: false) is { } c)
                {
                    camera = c;
                    text = text.Remove(w.Index, w.Length).Insert(w.Index, " ");
                    break;
                }
            }
        }

        if (camera is { Models.Count: 0 })
        {
            notes.Add($"no indexed photo was taken with a {camera.Name}");
        }

        // 7. Place: after a preposition (index places and the gazetteer), or anywhere (index places only).
        PlaceFilter? place = null;
        foreach (Match pm in PlacePhrase().Matches(text))
        {
            string[] words = pm.Groups["p"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int n = Math.Min(words.Length, 4); n >= 1 && place is null; n--)
            {
                string phrase = string.Join(' ', words.Take(n)).Trim(',', '.', ';', '!', '?');
                place = ResolvePlace(phrase, context, afterPreposition: true);
                if (place is not null)
                {
                    int end = pm.Groups["p"].Index + phrase.Length;
                    text = text[..pm.Index] + " " + text[end..];
                }
            }

            if (place is not null)
            {
                break;
            }
        }

        if (place is null)
        {
            MatchCollection words = Word().Matches(text);
            for (int i = 0; i < words.Count && place is null; i++)
            {
                for (int n = Math.Min(3, words.Count - i); n >= 1 && place is null; n--)
                {
                    int start = words[i].Index, end = words[i + n - 1].Index + words[i + n - 1].Length;
                    string phrase = text[start..end];
                    place = ResolvePlace(phrase, context, afterPreposition: false);
                    if (place is not null)
                    {
                        text = text[..start] + " " + text[end..];
                    }
                }
            }
        }

        if (place is { AlsoAWord: true })
        {
            notes.Add($"\"{place.Name}\" read as a place (your photos were taken there); it is also an ordinary word");
        }

        // 7b. Text phrases, after the filters and before negations: "a sign that says no parking" is text, not an exclusion.
        text = SaysPhrase().Replace(text, m =>
        {
            string t = m.Groups["t"].Value.Trim(' ', ',', '.', ';', '!', '?');
            if (t.Length > 0)
            {
                texts.Add(t);
            }

            return " ";
        });

        // 8. Negations.
        var negatives = new List<string>();
        text = Negation().Replace(text, m =>
        {
            string terms = m.Groups["t"].Value.Trim(' ', ',', '.', ';', '!', '?').ToLowerInvariant();
            if (terms.Length > 0 && !negatives.Contains(terms, StringComparer.Ordinal))
            {
                negatives.Add(terms);
            }

            return " " + m.Groups["rest"].Value + " ";
        });

        // 9. What is left, less filler, is what the photo looks like.
        string visual = CleanVisual(text);
        return new SearchPlan
        {
            VisualQuery = visual,
            NegativeTerms = negatives,
            TextInImage = texts,
            Date = date,
            Place = place,
            Camera = camera,
            Folder = folder,
            Sort = sort == SearchSort.Relevance && visual.Length == 0 && texts.Count == 0 && (date is not null || place is not null || camera is not null || folder is not null)
                ? SearchSort.NewestFirst : sort,
            Source = "rules",
            Notes = notes,
        };
    }

    /// <summary>Resolves a place name: first the places the index holds, then the gazetteer.</summary>
    /// <param name="phrase">The words.</param>
    /// <param name="context">The context.</param>
    /// <param name="afterPreposition">Whether the words followed "in", "from", "at" …; gazetteer names need one.</param>
    /// <returns>The place, or null.</returns>
    public static PlaceFilter? ResolvePlace(string phrase, PlanContext context, bool afterPreposition)
    {
        ArgumentNullException.ThrowIfNull(context);
        string key = CountryNames.Normalize(phrase ?? "");
        if (key.Length < 2 || s_filler.Contains(key))
        {
            return null;
        }

        bool ordinary = s_ordinaryWords.Contains(key);
        if (ordinary && !afterPreposition)
        {
            return null;
        }

        Place[] cities = [.. context.IndexPlaces.Where(p => p.City is not null && CountryNames.Normalize(p.City) == key)];
        if (cities.Length > 0)
        {
            return new PlaceFilter(phrase!.Trim(), cities, "index", ordinary);
        }

        string? code = CountryNames.CodeOf(key);
        if (code is not null && context.IndexPlaces.Any(p => p.CountryCode == code))
        {
            return new PlaceFilter(phrase!.Trim(), [new Place(null, code, CountryNames.NameOf(code))], "index", ordinary);
        }

        if (!afterPreposition || ordinary)
        {
            return null;
        }

        if (code is not null)
        {
            return new PlaceFilter(phrase!.Trim(), [new Place(null, code, CountryNames.NameOf(code))], "gazetteer");
        }

        if (context.Gazetteer is { } g)
        {
            IReadOnlyList<Place> found = g.FindCities(key);
            bool multiword = key.Contains(' ', StringComparison.Ordinal);
            if (found.Count > 0 && (multiword || g.LargestPopulation(key) >= 15_000))
            {
                return new PlaceFilter(phrase!.Trim(), found, "gazetteer");
            }
        }

        return null;
    }

    /// <summary>Resolves camera words against the cameras in the index.</summary>
    /// <param name="phrase">The words ("Nikon", "iPhone 12").</param>
    /// <param name="context">The context.</param>
    /// <param name="strong">Whether the request said "taken with" / "shot on" (weak brand words count then).</param>
    /// <returns>The camera filter, or null when the words name no camera.</returns>
    public static CameraFilter? ResolveCamera(string phrase, PlanContext context, bool strong)
    {
        ArgumentNullException.ThrowIfNull(context);
        string[] words = [.. (phrase ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim(',', '.', ';', '!', '?', '\'')).Where(w => w.Length > 0 && !s_cameraNoise.Contains(w))];
        if (words.Length == 0)
        {
            return null;
        }

        if (!strong && (words.Length != 1 || s_weakBrands.Contains(words[0]) ||
            (!s_brands.Contains(words[0]) && !context.IndexCameras.Any(c => ModelTokens(c).Contains(words[0], StringComparer.OrdinalIgnoreCase) && IsDistinctive(words[0])))))
        {
            return null;
        }

        var matches = context.IndexCameras.Where(c =>
        {
            string[] tokens = [.. ModelTokens(c)];
            string joined = string.Join(' ', tokens);
            return words.All(w => tokens.Contains(w, StringComparer.OrdinalIgnoreCase) || joined.Contains(w, StringComparison.OrdinalIgnoreCase) && w.Length >= 3)
                || (words.Length == 1 && Alias(words[0]) is { } alias && tokens.Contains(alias, StringComparer.OrdinalIgnoreCase));
        }).ToList();
        if (matches.Count > 0)
        {
            return new CameraFilter(string.Join(' ', words), matches);
        }

        return s_brands.Contains(words[0]) && (strong || !s_weakBrands.Contains(words[0])) ? new CameraFilter(string.Join(' ', words), []) : null;
    }

    private static string? Alias(string word) => word.ToLowerInvariant() switch
    {
        "fuji" => "fujifilm",
        "iphone" or "ipad" => "apple",
        "lumix" => "panasonic",
        "pixel" => "google",
        "galaxy" => "samsung",
        _ => null,
    };

    private static IEnumerable<string> ModelTokens(CameraModel c) =>
        $"{c.Make} {c.Model}".Split([' ', '-', '_', ','], StringSplitOptions.RemoveEmptyEntries).Where(t => !s_cameraNoise.Contains(t));

    /// <summary>A model token that cannot be an ordinary word: has a digit, or is a known brand.</summary>
    private static bool IsDistinctive(string word) => (word.Any(char.IsDigit) && word.Any(char.IsLetter)) || s_brands.Contains(word);

    private static string CleanVisual(string text)
    {
        string t = Spaces().Replace(text, " ").Trim(' ', ',', '.', ';', '!', '?', ':', '-');
        t = LeadingFiller().Replace(t, "");
        string[] words = t.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.All(w => s_filler.Contains(w.Trim(',', '.', ';', '!', '?', ':'))))
        {
            return "";
        }

        // Dangling connectors left where a filter was cut out ("beach photos from", "a dog and").
        int start = 0, end = words.Length;
        while (start < end && s_filler.Contains(words[start].Trim(',', '.', ';', '!', '?', ':')) && !IsArticleBeforeContent(words, start, end))
        {
            start++;
        }

        while (end > start && s_filler.Contains(words[end - 1].Trim(',', '.', ';', '!', '?', ':')))
        {
            end--;
        }

        string result = string.Join(' ', words[start..end]);
        result = Spaces().Replace(CommaRuns().Replace(result, ","), " ").Trim(' ', ',', '.', ';', '!', '?', ':', '-');
        return result;
    }

    private static bool IsArticleBeforeContent(string[] words, int i, int end) =>
        words[i] is "a" or "an" or "the" && i + 1 < end && !s_filler.Contains(words[i + 1]);

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"\s*,(?:\s*,)+")]
    private static partial Regex CommaRuns();

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}\-']*")]
    private static partial Regex Word();

    [GeneratedRegex("[\"“”„](?<t>[^\"“”„]{1,200})[\"“”]|(?<=\\s)'(?<t>[^']{2,200})'(?=[\\s,.;!?])")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"\b(?:(?:sorted|ordered)\s+(?:by\s+date|chronologically)|by\s+date|newest\s+first|latest\s+first|most\s+recent(?:\s+first)?|oldest(?:\s+first)?|earliest(?:\s+first)?|in\s+chronological\s+order|chronologically|(?:the\s+)?(?:newest|latest))\b", RegexOptions.IgnoreCase)]
    private static partial Regex SortWords();

    [GeneratedRegex(@"\b(?:(?:that|which|where\s+it)\s+(?:says|said|reads|read|spells)|saying|reading(?=\s*[""“])|with\s+the\s+(?:words?|text|writing)|with\s+(?:words?|text)|that\s+has\s+the\s+(?:words?|text))\s+(?<t>(?:[^,.;!?]|(?<=\d)[.,](?=\d))+)", RegexOptions.IgnoreCase)]
    private static partial Regex SaysPhrase();

    [GeneratedRegex(@"\b(?:in|from)\s+(?:my|the|our)\s+(?<f>[\p{L}\p{N}_\-]+(?:\s+[\p{L}\p{N}_\-]+){0,2})\s+folder\b|\b(?:in|from)\s+(?:the\s+)?folder\s+(?<f>[\p{L}\p{N}_\-]+)", RegexOptions.IgnoreCase)]
    private static partial Regex FolderPhrase();

    [GeneratedRegex(@"\b(?:(?:taken|shot|photographed|captured|made)\s+(?:with|on|using|by)|(?:with|on|using|from)\s+(?:my|our|the|a|an))\s+(?:(?:a|an|the|my|our)\s+)?(?<c>[\p{L}\p{N}\-]+(?:\s+[\p{L}\p{N}\-]+){0,2})", RegexOptions.IgnoreCase)]
    private static partial Regex CameraPhrase();

    [GeneratedRegex(@"\b(?:in|at|from|near|around|inside|visiting)\s+(?=(?:the\s+)?(?<p>[\p{L}][\p{L}\-'.]*(?:\s+[\p{L}][\p{L}\-'.]*){0,3}))", RegexOptions.IgnoreCase)]
    private static partial Regex PlacePhrase();

    [GeneratedRegex(@"(?:\bbut\s+)?\b(?:not|no|without|except|excluding|exclude|never|isn't|aren't|don't\s+want|do\s+not\s+want|nothing\s+with|none\s+of)\s+(?:(?:at|in|on|during|by|with|from|of|showing|any|a|an|the|some)\s+){0,2}(?<t>black\s+and\s+white|black-and-white|b&w|[\p{L}\p{N}\-']+(?:\s+(?!(?:and|or|but|with|in|on|at|please|just|only|that|which|so|then|of|from|taken|shot)\b)[\p{L}\p{N}\-']+){0,1})(?<rest>(?:\s+(?:and|or|but|with)\b)?)", RegexOptions.IgnoreCase)]
    private static partial Regex Negation();

    [GeneratedRegex(@"^(?:(?:please\s+)?(?:(?:can|could)\s+you\s+)?(?:show\s+me|find\s+me|find|search\s+for|look\s+for|i'?m\s+looking\s+for|i\s+am\s+looking\s+for|looking\s+for|i\s+want|i'd\s+like|give\s+me|get\s+me|show)\s+)?(?:(?:all|some|any)\s+)?(?:(?:my|our)\s+)?(?:(?:the\s+)?(?:photos|pictures|pics|images|shots)\s+(?:of\s+)?)?", RegexOptions.IgnoreCase)]
    private static partial Regex LeadingFiller();
}
