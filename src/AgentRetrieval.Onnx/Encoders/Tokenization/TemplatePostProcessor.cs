namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary>
/// The single-sequence template of <c>TemplateProcessing</c>, <c>RobertaProcessing</c> or <c>BertProcessing</c>
/// (<c>cls $A sep</c>): the special token ids placed around the sequence.
/// </summary>
internal sealed class TemplatePostProcessor(IReadOnlyList<int> before, IReadOnlyList<int> after)
{
    /// <summary>No special tokens.</summary>
    public static TemplatePostProcessor None { get; } = new([], []);

    public IReadOnlyList<int> Before { get; } = before;

    public IReadOnlyList<int> After { get; } = after;

    public int AddedCount => Before.Count + After.Count;

    public TemplatePostProcessor Then(TemplatePostProcessor next) => new([.. next.Before, .. Before], [.. After, .. next.After]);
}
