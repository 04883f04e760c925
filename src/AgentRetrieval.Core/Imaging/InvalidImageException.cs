namespace AgentRetrieval.Imaging;

/// <summary>An image that cannot be used: empty, truncated, corrupt, not an image, or over the pixel limit.</summary>
public sealed class InvalidImageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public InvalidImageException()
    {
    }

    /// <summary>Creates the exception with a reason a user can read.</summary>
    /// <param name="message">The reason.</param>
    public InvalidImageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a reason and the decoder's exception.</summary>
    /// <param name="message">The reason.</param>
    /// <param name="innerException">What the decoder threw.</param>
    public InvalidImageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
