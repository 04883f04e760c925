using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>Builds the components a <c>tokenizer.json</c> names; an unknown component is an error that names it.</summary>
internal static class TokenizerJsonReader
{
    public delegate HfTokenizer Factory(INormalizer? normalizer, IPreTokenizer? preTokenizer, ITokenModel model, TemplatePostProcessor post,
        AddedToken[] added, int? maxLength, int? padLength, int padId);

    public static HfTokenizer Read(JsonElement root, Factory create)
    {
        var added = new List<AddedToken>();
        if (root.TryGetProperty("added_tokens", out JsonElement at) && at.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement t in at.EnumerateArray())
            {
                bool special = Bool(t, "special");
                // As the reference: an added token is matched on the normalised text unless it says otherwise (special tokens default to raw).
                added.Add(new AddedToken(t.GetProperty("content").GetString()!, t.GetProperty("id").GetInt32(), Bool(t, "lstrip"), Bool(t, "rstrip"), Bool(t, "normalized", !special)));
            }
        }

        INormalizer? normalizer = Normalizer(Get(root, "normalizer"));
        IPreTokenizer? pre = PreTokenizer(Get(root, "pre_tokenizer"));
        ITokenModel model = Model(root.GetProperty("model"));
        int? IdOf(string token) => added.FirstOrDefault(a => a.Content == token) is { } a ? a.Id : model.TokenToId(token);
        TemplatePostProcessor post = PostProcessor(Get(root, "post_processor"), IdOf);

        int? maxLength = null, padLength = null;
        int padId = 0;
        if (Get(root, "truncation") is { } trunc && trunc.TryGetProperty("max_length", out JsonElement ml))
        {
            maxLength = ml.GetInt32();
        }

        if (Get(root, "padding") is { } padding)
        {
            padId = padding.TryGetProperty("pad_id", out JsonElement pid) ? pid.GetInt32() : 0;
            if (padding.TryGetProperty("strategy", out JsonElement strategy) && strategy.ValueKind == JsonValueKind.Object &&
                strategy.TryGetProperty("Fixed", out JsonElement fixedLength))
            {
                padLength = fixedLength.GetInt32();
            }
        }

        return create(normalizer, pre, model, post, [.. added], maxLength, padLength, padId);
    }

    private static JsonElement? Get(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private static bool Bool(JsonElement e, string name, bool fallback = false) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False ? v.GetBoolean() : fallback;

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string TypeOf(JsonElement e) => Str(e, "type") ?? throw new InvalidDataException("a component has no 'type'");

    private static INormalizer? Normalizer(JsonElement? e)
    {
        if (e is not { } n)
        {
            return null;
        }

        return TypeOf(n) switch
        {
            "Sequence" => new SequenceNormalizer([.. n.GetProperty("normalizers").EnumerateArray().Select(x => Normalizer(x)!)]),
            "NFC" => new UnicodeFormNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeFormNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeFormNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeFormNormalizer(NormalizationForm.FormKD),
            "Lowercase" => new LowercaseNormalizer(),
            "Strip" => new StripNormalizer(Bool(n, "strip_left", true), Bool(n, "strip_right", true)),
            "Replace" => Replace(n),
            "Precompiled" => new PrecompiledNormalizer(Convert.FromBase64String(Str(n, "precompiled_charsmap") ?? "")),
            string other => throw new InvalidDataException($"the normalizer '{other}' is not supported (supported: Sequence, NFC, NFD, NFKC, NFKD, Lowercase, Strip, Replace, Precompiled)"),
        };
    }

    private static ReplaceNormalizer Replace(JsonElement n)
    {
        (string? literal, Regex? regex) = Pattern(n.GetProperty("pattern"));
        return new ReplaceNormalizer(literal, regex, Str(n, "content") ?? "");
    }

    private static (string? Literal, Regex? Regex) Pattern(JsonElement p)
    {
        if (Str(p, "String") is { } s)
        {
            return (s, null);
        }

        if (Str(p, "Regex") is { } r)
        {
            return (null, new Regex(r, RegexOptions.CultureInvariant));
        }

        throw new InvalidDataException("a pattern is neither String nor Regex");
    }

    private static Regex PatternRegex(JsonElement p)
    {
        (string? literal, Regex? regex) = Pattern(p);
        return regex ?? new Regex(Regex.Escape(literal!), RegexOptions.CultureInvariant);
    }

    private static IPreTokenizer? PreTokenizer(JsonElement? e)
    {
        if (e is not { } p)
        {
            return null;
        }

        return TypeOf(p) switch
        {
            "Sequence" => new SequencePreTokenizer([.. p.GetProperty("pretokenizers").EnumerateArray().Select(x => PreTokenizer(x)!)]),
            "Metaspace" => new MetaspacePreTokenizer(Str(p, "replacement") ?? "▁", PrependScheme(p), Bool(p, "split", true)),
            "ByteLevel" => new ByteLevelPreTokenizer(Bool(p, "add_prefix_space", true), Bool(p, "use_regex", true)),
            "Split" => new SplitPreTokenizer(PatternRegex(p.GetProperty("pattern")), Behavior(Str(p, "behavior") ?? "Isolated"), Bool(p, "invert")),
            "Whitespace" => new WhitespacePreTokenizer(splitOnly: false),
            "WhitespaceSplit" => new WhitespacePreTokenizer(splitOnly: true),
            string other => throw new InvalidDataException($"the pre-tokenizer '{other}' is not supported (supported: Sequence, Metaspace, ByteLevel, Split, Whitespace, WhitespaceSplit)"),
        };
    }

    private static string PrependScheme(JsonElement p)
    {
        if (Str(p, "prepend_scheme") is { } scheme)
        {
            return scheme;
        }

        // Files older than prepend_scheme say add_prefix_space.
        return Bool(p, "add_prefix_space", true) ? "always" : "never";
    }

    private static SplitBehavior Behavior(string name) => name switch
    {
        "Removed" => SplitBehavior.Removed,
        "Isolated" => SplitBehavior.Isolated,
        "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
        "MergedWithNext" => SplitBehavior.MergedWithNext,
        "Contiguous" => SplitBehavior.Contiguous,
        _ => throw new InvalidDataException($"the split behavior '{name}' is not known"),
    };

    private static ITokenModel Model(JsonElement m)
    {
        string type = Str(m, "type") ?? (m.TryGetProperty("merges", out _) ? "BPE" : "Unigram");
        switch (type)
        {
            case "BPE":
                {
                    var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
                    foreach (JsonProperty p in m.GetProperty("vocab").EnumerateObject())
                    {
                        vocab[p.Name] = p.Value.GetInt32();
                    }

                    var merges = new List<(string, string)>();
                    foreach (JsonElement merge in m.GetProperty("merges").EnumerateArray())
                    {
                        if (merge.ValueKind == JsonValueKind.Array)
                        {
                            merges.Add((merge[0].GetString()!, merge[1].GetString()!));
                        }
                        else
                        {
                            string s = merge.GetString()!;
                            int space = s.IndexOf(' ', 1);
                            if (space < 0)
                            {
                                throw new InvalidDataException($"the merge '{s}' has no space");
                            }

                            merges.Add((s[..space], s[(space + 1)..]));
                        }
                    }

                    return new BpeModel(vocab, merges, Str(m, "unk_token"), Str(m, "continuing_subword_prefix"), Str(m, "end_of_word_suffix"),
                        Bool(m, "byte_fallback"), Bool(m, "fuse_unk"), Bool(m, "ignore_merges"));
                }

            case "Unigram":
                {
                    var vocab = new List<(string, double)>();
                    foreach (JsonElement entry in m.GetProperty("vocab").EnumerateArray())
                    {
                        vocab.Add((entry[0].GetString()!, entry[1].GetDouble()));
                    }

                    int? unk = m.TryGetProperty("unk_id", out JsonElement u) && u.ValueKind == JsonValueKind.Number ? u.GetInt32() : null;
                    return new UnigramModel(vocab, unk, Bool(m, "byte_fallback"));
                }

            default:
                throw new InvalidDataException($"the model '{type}' is not supported (supported: BPE, Unigram)");
        }
    }

    private static TemplatePostProcessor PostProcessor(JsonElement? e, Func<string, int?> idOf)
    {
        if (e is not { } p)
        {
            return TemplatePostProcessor.None;
        }

        switch (TypeOf(p))
        {
            case "TemplateProcessing":
                {
                    var before = new List<int>();
                    var after = new List<int>();
                    bool seenSequence = false;
                    JsonElement specials = p.GetProperty("special_tokens");
                    foreach (JsonElement item in p.GetProperty("single").EnumerateArray())
                    {
                        if (item.TryGetProperty("Sequence", out _))
                        {
                            seenSequence = true;
                            continue;
                        }

                        string id = item.GetProperty("SpecialToken").GetProperty("id").GetString()!;
                        IEnumerable<int> ids = specials.TryGetProperty(id, out JsonElement spec)
                            ? spec.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32())
                            : [idOf(id) ?? throw new InvalidDataException($"the template's special token '{id}' has no id")];
                        (seenSequence ? after : before).AddRange(ids);
                    }

                    return new TemplatePostProcessor(before, after);
                }

            case "RobertaProcessing" or "BertProcessing":
                return new TemplatePostProcessor([p.GetProperty("cls")[1].GetInt32()], [p.GetProperty("sep")[1].GetInt32()]);
            case "ByteLevel":
                return TemplatePostProcessor.None;
            case "Sequence":
                {
                    TemplatePostProcessor all = TemplatePostProcessor.None;
                    foreach (JsonElement step in p.GetProperty("processors").EnumerateArray())
                    {
                        all = all.Then(PostProcessor(step, idOf));
                    }

                    return all;
                }

            case var other:
                throw new InvalidDataException($"the post-processor '{other}' is not supported (supported: TemplateProcessing, RobertaProcessing, BertProcessing, ByteLevel, Sequence)");
        }
    }
}
