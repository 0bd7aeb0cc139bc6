using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace SynthflowConnector.Synthflow;

/// <summary>
/// One token bucket for all Synthflow traffic of the process (the typed client is transient; this is a singleton).
/// Every attempt, retries included, takes a token.
/// Tokens are refilled in small steps so traffic is paced evenly rather than in once-a-second bursts.
/// </summary>
public sealed class SynthflowRateLimiter : IAsyncDisposable, IDisposable
{
    private readonly RateLimiter _limiter;

    public SynthflowRateLimiter(IOptions<SynthflowOptions> options)
    {
        var perSecond = options.Value.MaxRequestsPerSecond;
        var tokensPerPeriod = (int)Math.Ceiling(perSecond / 100.0);
        MaxRequestsPerSecond = perSecond;
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromSeconds(tokensPerPeriod / (double)perSecond),
            TokenLimit = Math.Max(tokensPerPeriod, perSecond / 10),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    /// <summary>Any limiter, for tests that need one whose queue they control (the bucket refills on real time).</summary>
    internal SynthflowRateLimiter(RateLimiter limiter, int maxRequestsPerSecond)
    {
        _limiter = limiter;
        MaxRequestsPerSecond = maxRequestsPerSecond;
    }

    public int MaxRequestsPerSecond { get; }

    /// <summary>The bucket, for the client's resilience pipeline (Polly's rate-limiter strategy waits in its queue).</summary>
    internal RateLimiter Limiter => _limiter;

    public void Dispose() => _limiter.Dispose();

    public ValueTask DisposeAsync() => _limiter.DisposeAsync();
}
