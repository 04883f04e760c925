namespace AgentRetrieval.Embeddings;

/// <summary>Implemented by embedding generators that know which model files compute their vectors.</summary>
public interface IModelIdentityProvider
{
    /// <summary>The model's identity.</summary>
    ModelIdentity Identity { get; }
}
