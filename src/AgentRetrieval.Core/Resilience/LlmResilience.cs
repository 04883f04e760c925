using System.Net;
using AgentRetrieval.Agent;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace AgentRetrieval.Resilience;

/// <summary>The <c>"llm"</c> resilience pipeline: retry transient failures, break the circuit after repeated failures, time out each call.</summary>
public static class LlmResilience
{
    /// <summary>The pipeline's key.</summary>
    public const string PipelineKey = "llm";

    /// <summary>Builds the pipeline (outermost first: retry, circuit breaker, timeout).</summary>
    /// <param name="options">Timeouts.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <returns>The pipeline.</returns>
    public static ResiliencePipeline CreatePipeline(AgentOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ResiliencePipelineBuilder { TimeProvider = timeProvider ?? TimeProvider.System, Name = PipelineKey }
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                Delay = TimeSpan.FromMilliseconds(200),
                BackoffType = DelayBackoffType.Exponential,
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>(IsTransient),
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 3,
                SamplingDuration = TimeSpan.FromMinutes(2),
                BreakDuration = TimeSpan.FromSeconds(30),
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not OperationCanceledException || ex is TimeoutRejectedException),
            })
            .AddTimeout(options.LlmCallTimeout)
            .Build();
    }

    /// <summary>A short, readable description of an LLM failure.</summary>
    /// <param name="ex">The failure.</param>
    public static string Describe(Exception ex) => ex switch
    {
        TimeoutRejectedException => "the model timed out",
        BrokenCircuitException => "the model failed repeatedly, so it is paused for a while (circuit open)",
        OperationCanceledException => "the turn's time budget ran out",
        _ => $"the model failed ({ex.GetType().Name}: {ex.Message.Split('\n')[0]})",
    };

    private static bool IsTransient(HttpRequestException ex) =>
        ex.StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError;
}
