namespace AgentRetrieval.Embeddings;

/// <summary>
/// A sigmoid-trained model's own scale and bias: p = sigmoid(cos · <see cref="Scale"/> + <see cref="Bias"/>). The
/// separate towers do not output them, so they come from the model's record (the manifest, <c>calibration.json</c> in
/// the folder, or settings).
/// </summary>
/// <param name="Scale">exp(logit_scale), the trained value.</param>
/// <param name="Bias">logit_bias, the trained value.</param>
public sealed record ScoreCalibration(double Scale, double Bias)
{
    /// <summary>The match probability of a cosine similarity.</summary>
    /// <param name="cosine">The similarity of two unit vectors.</param>
    /// <returns>A probability in (0, 1).</returns>
    public double Probability(double cosine) => 1.0 / (1.0 + Math.Exp(-((cosine * Scale) + Bias)));

    /// <summary>The cosine at which the probability is <paramref name="probability"/>.</summary>
    /// <param name="probability">A probability in (0, 1).</param>
    /// <returns>The cosine.</returns>
    public double CosineAt(double probability)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(probability, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(probability, 1);
        return (Math.Log(probability / (1 - probability)) - Bias) / Scale;
    }
}
