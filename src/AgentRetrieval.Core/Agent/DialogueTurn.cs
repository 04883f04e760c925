namespace AgentRetrieval.Agent;

/// <summary>Who said a dialogue turn.</summary>
public enum DialogueRole
{
    /// <summary>The person searching.</summary>
    User,

    /// <summary>The agent.</summary>
    Assistant,
}

/// <summary>One message of the dialogue.</summary>
/// <param name="Role">Who said it.</param>
/// <param name="Text">What was said.</param>
public sealed record DialogueTurn(DialogueRole Role, string Text);
