namespace AgentRetrieval.Embeddings;

/// <summary>
/// Who made a vector: the model's name, its vector size and a fingerprint of its files. An index records the identity
/// of the model that built it and refuses queries from any other.
/// </summary>
/// <param name="Name">A readable name, such as the model folder's name plus the variant.</param>
/// <param name="Dimensions">The embedding size.</param>
/// <param name="Fingerprint">A short hash over the hashes of the files that compute the vectors.</param>
/// <param name="FileHashes">SHA-256 (hex) of each file, by its path relative to the model folder.</param>
public sealed record ModelIdentity(string Name, int Dimensions, string Fingerprint, IReadOnlyDictionary<string, string> FileHashes)
{
    /// <summary>The identity as one string: <c>name@fingerprint/dimensions</c>.</summary>
    public string Key => $"{Name}@{Fingerprint}/{Dimensions}";

    /// <inheritdoc/>
    public override string ToString() => Key;

    /// <summary>Whether two identities compute the same vectors (same fingerprint and size; the name may differ).</summary>
    /// <param name="other">The other identity.</param>
    public bool IsCompatibleWith(ModelIdentity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Dimensions == other.Dimensions && string.Equals(Fingerprint, other.Fingerprint, StringComparison.Ordinal);
    }
}
