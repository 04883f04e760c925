namespace AgentRetrieval.Indexing.Vectors;

/// <summary>What one shortlisted search did: each stage's time and how many rows it passed on.</summary>
/// <param name="PrefixMs">Stage 1: the 128-bit prefix of every allowed row.</param>
/// <param name="CodesMs">Stage 2: picking the rows under the prefix threshold and reading their whole codes.</param>
/// <param name="EstimateMs">Stage 3: the asymmetric estimate over the Hamming-nearest.</param>
/// <param name="RescoreMs">Stage 4: exact float16 scores.</param>
/// <param name="Wide">Rows whose whole codes were read.</param>
/// <param name="Estimated">Rows the asymmetric estimate ranked.</param>
/// <param name="Rescored">Rows scored exactly.</param>
public readonly record struct ShortlistStages(double PrefixMs, double CodesMs, double EstimateMs, double RescoreMs, int Wide, int Estimated, int Rescored);
