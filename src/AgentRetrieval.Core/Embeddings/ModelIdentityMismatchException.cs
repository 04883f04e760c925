namespace AgentRetrieval.Embeddings;

/// <summary>A query vector comes from a different model than the one that built the index.</summary>
public sealed class ModelIdentityMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public ModelIdentityMismatchException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public ModelIdentityMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ModelIdentityMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an index and a query model.</summary>
    /// <param name="indexModel">The model that built the index.</param>
    /// <param name="queryModel">The model of the query.</param>
    public ModelIdentityMismatchException(ModelIdentity indexModel, ModelIdentity queryModel)
        : base($"This index was built with model '{indexModel?.Key}' but this command runs model '{queryModel?.Key}': their vectors cannot be compared. " +
               "Search with the model that built the index, or rebuild the index with 'agentretrieval index <folder> --rebuild'.")
    {
        IndexModel = indexModel;
        QueryModel = queryModel;
    }

    /// <summary>The model that built the index.</summary>
    public ModelIdentity? IndexModel { get; }

    /// <summary>The model of the query.</summary>
    public ModelIdentity? QueryModel { get; }
}
