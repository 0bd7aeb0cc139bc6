using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;
using Refit;

namespace SynthflowConnector.Synthflow;

/// <summary>
/// How the Synthflow HTTP client behaves, as data on its registration: Refit's settings and the resilience pipeline.
/// Outermost first: retry (GET, PUT, DELETE only: a retried <c>POST /calls</c> could dial the same person twice),
/// the process-wide rate limiter, then the per-attempt timeout, so a wait in the limiter's queue is not counted
/// as slowness upstream.
/// </summary>
internal static class SynthflowHttpPolicy
{
    /// <summary>The name of the client's resilience handler (the pipeline is named after client and handler).</summary>
    public const string PipelineName = "synthflow";

    /// <summary>
    /// Snake_case JSON from the source-generated context (no reflection); bodies buffered so a retried PUT can be
    /// sent again; transport failures surface as themselves rather than wrapped, for the client to map.
    /// </summary>
    public static RefitSettings RefitSettings { get; } = new(SystemTextJsonContentSerializer.ForContext(SynthflowJson.Context))
    {
        Buffered = true,
        TransportExceptionFactory = static (_, exception, _) => exception,
    };

    public static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder, ResilienceHandlerContext context)
    {
        var services = context.ServiceProvider;
        var settings = services.GetRequiredService<IOptions<SynthflowOptions>>().Value;
        var timeProvider = services.GetRequiredService<TimeProvider>();
        builder.TimeProvider = timeProvider;

        // Polly requires at least one retry attempt: no retries means no retry strategy.
        if (settings.MaxRetries > 0)
        {
            builder.AddRetry(RetryOptions(settings, timeProvider));
        }

        builder
            .AddRateLimiter(services.GetRequiredService<SynthflowRateLimiter>().Limiter)
            .AddTimeout(settings.Timeout);
    }

    /// <summary>Jittered exponential backoff on 429, 5xx and transport failures; an upstream Retry-After wins, capped.</summary>
    internal static HttpRetryStrategyOptions RetryOptions(SynthflowOptions settings, TimeProvider timeProvider) => new()
    {
        MaxRetryAttempts = settings.MaxRetries,
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
        Delay = settings.RetryBaseDelay,
        MaxDelay = settings.RetryMaxDelay,
        ShouldHandle = args => ValueTask.FromResult(IsIdempotent(args.Context.GetRequestMessage()) && IsTransient(args.Outcome)),

        // Replaces the ShouldRetryAfterHeader generator, which neither caps the delay nor uses our TimeProvider.
        DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result, settings.RetryMaxDelay, timeProvider)),
    };

    /// <summary>Only these methods are retried; an unknown request is not.</summary>
    internal static bool IsIdempotent(HttpRequestMessage? request) =>
        request?.Method is { } method && (method == HttpMethod.Get || method == HttpMethod.Put || method == HttpMethod.Delete);

    internal static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Exception: HttpRequestException or IOException or TimeoutRejectedException } => true,
        { Result: { } response } => response.StatusCode is HttpStatusCode.TooManyRequests
            or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout,
        _ => false,
    };

    /// <summary>Honours an upstream <c>Retry-After</c> (capped); null falls back to the backoff.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan cap, TimeProvider timeProvider)
    {
        var retryAfter = response?.Headers.RetryAfter;
        var delay = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - timeProvider.GetUtcNow() : null);
        return delay is { } value && value > TimeSpan.Zero ? (value < cap ? value : cap) : null;
    }
}
