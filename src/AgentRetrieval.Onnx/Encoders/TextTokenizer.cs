using AgentRetrieval.Onnx.Clip;
using AgentRetrieval.Onnx.Encoders.Tokenization;

namespace AgentRetrieval.Onnx.Encoders;

/// <summary>
/// A model's text side before its graph: cleaning, an optional language prefix, and the tokenizer (CLIP's own, or one
/// read from <c>tokenizer.json</c>), giving the ids exactly as the model receives them.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class TextTokenizer
{
    private readonly ClipTokenizer? _clip;
    private readonly HfTokenizer? _hf;

    private TextTokenizer(ClipTokenizer? clip, HfTokenizer? hf, TextCleaningMode cleaning, string prefix, int maxLength, int padId, bool padded)
    {
        _clip = clip;
        _hf = hf;
        Cleaning = cleaning;
        Prefix = prefix;
        MaxLength = maxLength;
        PadId = padId;
        PadsToMaxLength = padded;
    }

    /// <summary>What is done to a text first.</summary>
    public TextCleaningMode Cleaning { get; }

    /// <summary>Put before every text after cleaning (NLLB's language code, such as <c>eng_Latn</c>); empty for most models.</summary>
    public string Prefix { get; }

    /// <summary>The most tokens a text has, special tokens included.</summary>
    public int MaxLength { get; }

    /// <summary>The padding id.</summary>
    public int PadId { get; }

    /// <summary>Whether every text is padded to <see cref="MaxLength"/> (SigLIP reads the last position; Immich exports have a fixed length).</summary>
    public bool PadsToMaxLength { get; }

    /// <summary>CLIP's byte-level BPE tokenizer: unpadded ids, padded with end-of-text in a batch.</summary>
    /// <param name="tokenizer">The tokenizer.</param>
    /// <returns>The text side.</returns>
    public static TextTokenizer ForClip(ClipTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return new TextTokenizer(tokenizer, null, TextCleaningMode.None, "", tokenizer.MaxLength, tokenizer.EndOfTextId, padded: false);
    }

    /// <summary>A <c>tokenizer.json</c> tokenizer truncating to and padding to <paramref name="length"/>.</summary>
    /// <param name="tokenizer">The tokenizer.</param>
    /// <param name="cleaning">The text cleaning.</param>
    /// <param name="length">The context length.</param>
    /// <param name="padId">The padding id.</param>
    /// <param name="prefix">A prefix after cleaning.</param>
    /// <returns>The text side.</returns>
    public static TextTokenizer ForTokenizerJson(HfTokenizer tokenizer, TextCleaningMode cleaning, int length, int padId, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return new TextTokenizer(null, tokenizer.WithLength(length, length, padId), cleaning, prefix ?? "", length, padId, padded: true);
    }

    /// <summary>The ids and attention mask of <paramref name="text"/> as the model receives them.</summary>
    /// <param name="text">Any text; null counts as empty.</param>
    /// <returns>The tokens.</returns>
    public TokenizedText Encode(string? text)
    {
        if (_clip is not null)
        {
            int[] ids = _clip.Encode(text);
            int[] mask = new int[ids.Length];
            Array.Fill(mask, 1);
            return new TokenizedText(ids, mask, _clip.CountContentTokens(text) > _clip.MaxLength - 2);
        }

        return _hf!.Encode(Prefix + TextCleaning.Apply(text ?? "", Cleaning));
    }

    /// <summary>Whether <paramref name="text"/> is longer than the model reads (its end is cut off).</summary>
    /// <param name="text">Any text.</param>
    /// <returns>True when tokens are dropped.</returns>
    public bool WouldTruncate(string? text) => Encode(text).Truncated;
}
