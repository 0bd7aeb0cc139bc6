using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace SynthflowConnector.Synthflow;

/// <summary>
/// One token bucket for all Synthflow traffic of the process (the typed client is transient; this is a singleton).
/// Tokens are refilled in small steps so traffic is paced evenly rather than in once-a-second bursts.
/// </summary>
public sealed class SynthflowRateLimiter : IAsyncDisposable, IDisposable
{
    private readonly TokenBucketRateLimiter _limiter;

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

    public int MaxRequestsPerSecond { get; }

    /// <summary>Waits for a slot; the wait counts against the caller's cancellation, not the attempt's timeout.</summary>
    public async ValueTask<RateLimitLease> AcquireAsync(CancellationToken cancellationToken)
    {
        var lease = await _limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            lease.Dispose();
            throw new InvalidOperationException("The Synthflow rate limiter refused a request.");
        }

        return lease;
    }

    public void Dispose() => _limiter.Dispose();

    public ValueTask DisposeAsync() => _limiter.DisposeAsync();
}
