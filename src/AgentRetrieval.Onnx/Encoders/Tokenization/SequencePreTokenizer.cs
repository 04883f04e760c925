namespace AgentRetrieval.Onnx.Encoders.Tokenization;

/// <summary><c>Sequence</c>: the pre-tokenisers in order, each on the pieces of the one before.</summary>
internal sealed class SequencePreTokenizer(IReadOnlyList<IPreTokenizer> steps) : IPreTokenizer
{
    public List<string> PreTokenize(List<string> pieces, bool first)
    {
        foreach (IPreTokenizer step in steps)
        {
            pieces = step.PreTokenize(pieces, first);
        }

        return pieces;
    }
}
