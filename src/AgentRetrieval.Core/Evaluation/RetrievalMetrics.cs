namespace AgentRetrieval.Evaluation;

/// <summary>Recall at K, median rank and mean average precision of one retrieval direction.</summary>
/// <param name="Queries">How many queries.</param>
/// <param name="RecallAt1">Percentage of queries with a relevant item first.</param>
/// <param name="RecallAt5">… within the first 5.</param>
/// <param name="RecallAt10">… within the first 10.</param>
/// <param name="MedianRank">Median rank of the first relevant item (1 = first).</param>
/// <param name="MeanAveragePrecision">MAP over all relevant items, as a percentage.</param>
public sealed record RetrievalScores(int Queries, double RecallAt1, double RecallAt5, double RecallAt10, double MedianRank, double MeanAveragePrecision);

/// <summary>
/// Retrieval metrics from scored rankings. For each query, candidates are ordered by score (higher first; ties by
/// candidate index), the rank of the first relevant candidate gives R@K and the median rank, and the average precision
/// over all relevant candidates gives MAP.
/// </summary>
public static class RetrievalMetrics
{
    /// <summary>Scores queries against candidates.</summary>
    /// <param name="queries">How many queries.</param>
    /// <param name="candidates">How many candidates.</param>
    /// <param name="score">The score of (query, candidate); higher is better.</param>
    /// <param name="isRelevant">Whether a candidate is relevant to a query.</param>
    /// <returns>The metrics.</returns>
    public static RetrievalScores Evaluate(int queries, int candidates, Func<int, int, double> score, Func<int, int, bool> isRelevant)
    {
        ArgumentNullException.ThrowIfNull(score);
        ArgumentNullException.ThrowIfNull(isRelevant);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queries);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(candidates);
        var firstRanks = new int[queries];
        double apSum = 0;
        var order = new int[candidates];
        var scores = new double[candidates];
        for (int q = 0; q < queries; q++)
        {
            for (int c = 0; c < candidates; c++)
            {
                order[c] = c;
                scores[c] = score(q, c);
            }

            Array.Sort(order, (a, b) => scores[b].CompareTo(scores[a]) is var cmp and not 0 ? cmp : a.CompareTo(b));
            (firstRanks[q], double ap) = RankAndAveragePrecision(order, c => isRelevant(q, c));
            apSum += ap;
        }

        return Summarise(firstRanks, apSum / queries);
    }

    /// <summary>The 1-based rank of the first relevant item in a ranking and the average precision over all relevant items.</summary>
    /// <param name="ranking">Candidate indices, best first.</param>
    /// <param name="isRelevant">Relevance of a candidate.</param>
    /// <returns>(rank, AP); rank is ranking length + 1 and AP 0 when nothing is relevant.</returns>
    public static (int FirstRank, double AveragePrecision) RankAndAveragePrecision(IReadOnlyList<int> ranking, Func<int, bool> isRelevant)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        ArgumentNullException.ThrowIfNull(isRelevant);
        int first = 0, hits = 0;
        double precisionSum = 0;
        for (int i = 0; i < ranking.Count; i++)
        {
            if (isRelevant(ranking[i]))
            {
                hits++;
                precisionSum += (double)hits / (i + 1);
                if (first == 0)
                {
                    first = i + 1;
                }
            }
        }

        return (first == 0 ? ranking.Count + 1 : first, hits == 0 ? 0 : precisionSum / hits);
    }

    /// <summary>R@1/5/10 and median rank from first-relevant ranks, with a given MAP (a fraction).</summary>
    /// <param name="firstRanks">1-based ranks.</param>
    /// <param name="meanAveragePrecision">MAP as a fraction.</param>
    public static RetrievalScores Summarise(IReadOnlyList<int> firstRanks, double meanAveragePrecision)
    {
        ArgumentNullException.ThrowIfNull(firstRanks);
        int n = firstRanks.Count;
        double Recall(int k) => 100.0 * firstRanks.Count(r => r <= k) / n;
        int[] sorted = [.. firstRanks.Order()];
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2.0;
        return new RetrievalScores(n, Recall(1), Recall(5), Recall(10), median, 100.0 * meanAveragePrecision);
    }
}
