using System.Globalization;
using System.Text;
using AgentRetrieval.Prompts;
using Microsoft.Extensions.AI;

namespace AgentRetrieval.Agent;

/// <summary>
/// Listwise rerank: the top N candidates go to the LLM in groups of <see cref="AgentOptions.ListwiseGroupSize"/> as a
/// numbered list (images, or cached captions for a text-only rerank); the model names the best. The probability of
/// each number, read from the logits, is that candidate's LLM score; final = retrieval + weight × score.
/// </summary>
internal sealed class ListwiseReranker(LlmGateway llm, IPromptProvider prompts, ImageSource images, AgentOptions options) : IImageReranker
{
    public string Name => "listwise";

    public async Task<RerankOutcome> RerankAsync(RerankRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        PromptTemplate template = prompts.GetPrompt("rerank-listwise");
        int n = Math.Min(options.RerankTopN, request.Candidates.Count);
        var judged = new List<RankedImage>(n);
        string? stopped = null;
        for (int start = 0; start < n; start += options.ListwiseGroupSize)
        {
            RankedImage[] group = [.. request.Candidates.Skip(start).Take(Math.Min(options.ListwiseGroupSize, n - start))];
            try
            {
                double[] p = group.Length == 1 ? [1.0] : await ScoreGroupAsync(template, request.Query, group, cancellationToken);
                for (int i = 0; i < group.Length; i++)
                {
                    judged.Add(group[i] with { LlmScore = p[i], FinalScore = group[i].RetrievalScore + (options.LlmWeight * p[i]) });
                }
            }
            catch (Exception ex) when (judged.Count > 0)
            {
                stopped = Resilience.LlmResilience.Describe(ex);
                break;
            }
        }

        string how = llm.Scorer is null ? "the named number parsed from text" : "P(number) from logits";
        string detail = string.Create(CultureInfo.InvariantCulture, $"judged {judged.Count} of {request.Candidates.Count} candidates in groups of {options.ListwiseGroupSize}, {how}");
        return new RerankOutcome(PointwiseReranker.Merge(judged, request.Candidates), judged.Count,
            stopped is null ? detail : $"{detail}; stopped early: {stopped}", stopped is not null);
    }

    private async Task<double[]> ScoreGroupAsync(PromptTemplate template, string query, RankedImage[] group, CancellationToken cancellationToken)
    {
        string[] captions = [.. group.Select(g => images.CachedCaption(g.Id) ?? g.Caption ?? "")];
        bool textOnly = options.RerankWithCaptions && captions.All(c => c.Length > 0);
        var pictures = new List<DataContent>();
        var imageList = new StringBuilder();
        var candidateList = new StringBuilder();
        for (int i = 0; i < group.Length; i++)
        {
            string number = (i + 1).ToString(CultureInfo.InvariantCulture);
            if (!textOnly)
            {
                pictures.Add(await images.ReadAsync(group[i], cancellationToken));
                imageList.Append("Image ").Append(number).Append(": ").Append(PromptTemplate.ImageMarker).Append('\n');
            }

            candidateList.Append(number).Append(". ").Append(textOnly ? captions[i] : $"image {number}").Append('\n');
        }

        List<ChatMessage> messages = PromptMessages.Build(template, new Dictionary<string, string>
        {
            ["images"] = imageList.ToString(),
            ["query"] = query,
            ["candidates"] = candidateList.ToString().TrimEnd(),
        }, pictures);
        string[] numbers = [.. Enumerable.Range(1, group.Length).Select(i => i.ToString(CultureInfo.InvariantCulture))];
        IReadOnlyList<double>? probabilities = await llm.ScoreAsync(messages, numbers, cancellationToken);
        if (probabilities is not null)
        {
            return [.. probabilities];
        }

        string answer = await llm.CompleteAsync(messages, cancellationToken);
        double[] result = new double[group.Length];
        string digits = new([.. answer.SkipWhile(c => !char.IsDigit(c)).TakeWhile(char.IsDigit)]);
        if (int.TryParse(digits, NumberStyles.Integer, CultureInfo.InvariantCulture, out int pick) && pick >= 1 && pick <= group.Length)
        {
            result[pick - 1] = 1.0;
        }
        else
        {
            Array.Fill(result, 1.0 / group.Length);
        }

        return result;
    }
}
