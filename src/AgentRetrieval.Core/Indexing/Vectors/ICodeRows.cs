namespace AgentRetrieval.Indexing.Vectors;

/// <summary>
/// Where the shortlist reads each snapshot row's binary code: from <see cref="CodeColumns"/> (a long-running host's
/// copy in the snapshot's order) or straight from the mapped codes file (a one-shot search, for which copying every
/// code would cost more than the one query saves). The search methods are generic over it, so each gets its own
/// compiled loop without a call per row.
/// </summary>
internal unsafe interface ICodeRows
{
    /// <summary>Words of one whole code.</summary>
    int Words { get; }

    /// <summary>Words of the prefix the first stage compares (at most two).</summary>
    int PrefixWords { get; }

    /// <summary>The whole code of snapshot row <paramref name="row"/>.</summary>
    ulong* Code(int row);

    /// <summary>The prefix of snapshot row <paramref name="row"/> (its first <see cref="PrefixWords"/> words).</summary>
    ulong* Prefix(int row);
}
