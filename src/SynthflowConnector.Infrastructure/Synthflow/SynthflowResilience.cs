using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace SynthflowConnector.Synthflow;

/// <summary>
/// The client's Polly pipelines, built once per process. Retries are for idempotent requests only
/// (GET, PUT, DELETE): a retried <c>POST /calls</c> could dial the same person twice.
/// </summary>
public sealed partial class SynthflowResilience
{
    public SynthflowResilience(IOptions<SynthflowOptions> options, TimeProvider timeProvider, ILogger<SynthflowResilience> logger)
    {
        var settings = options.Value;
        Retry = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(settings.MaxRetries, 1),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = settings.RetryBaseDelay,
                MaxDelay = settings.RetryMaxDelay,
                ShouldHandle = args => ValueTask.FromResult(settings.MaxRetries > 0 && IsTransient(args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, settings.RetryMaxDelay)),
                OnRetry = args =>
                {
                    LogRetry(logger, args.AttemptNumber + 1, Describe(args.Outcome), args.RetryDelay.TotalMilliseconds);
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        Timeout = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = timeProvider }
            .AddTimeout(settings.Timeout)
            .Build();
    }

    /// <summary>Jittered exponential backoff on 429, 5xx and transport failures.</summary>
    public ResiliencePipeline<HttpResponseMessage> Retry { get; }

    /// <summary>Bounds one attempt, including reading the body.</summary>
    public ResiliencePipeline<HttpResponseMessage> Timeout { get; }

    internal static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or IOException or TimeoutRejectedException } => true,
        { Result: { } response } => response.StatusCode == HttpStatusCode.TooManyRequests
            || response.StatusCode is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
                or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout,
        _ => false,
    };

    /// <summary>Honours an upstream <c>Retry-After</c> (capped); null falls back to the backoff.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan cap)
    {
        var retryAfter = response?.Headers.RetryAfter;
        var delay = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        return delay is { } value && value > TimeSpan.Zero ? (value < cap ? value : cap) : null;
    }

    private static string Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is { } exception ? exception.GetType().Name : $"HTTP {(int)outcome.Result!.StatusCode}";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Synthflow request failed ({Reason}); retry {Attempt} in {DelayMs:F0} ms")]
    private static partial void LogRetry(ILogger logger, int attempt, string reason, double delayMs);
}
