using System.Globalization;

namespace SynthflowConnector.Sandbox;

// Issue 12: the account limits of a non-Enterprise workspace. Above CAPS (new calls per second) or concurrency (calls
// not yet ended) POST /calls answers 429 and the call is not placed (webhooks.md, "Limits"); Enterprise would queue it.
public sealed partial class SynthflowSandbox
{
    /// <summary>Placement times within the last second, oldest first (guarded by <see cref="_gate"/>).</summary>
    private readonly Queue<DateTimeOffset> _recentPlacements = new();

    /// <summary>Ids of calls that have not ended (guarded by <see cref="_gate"/>).</summary>
    private readonly HashSet<string> _liveCalls = new(StringComparer.Ordinal);

    private int _callsPerSecond;
    private int _maxConcurrentCalls;
    private long _refusedByCaps;
    private long _refusedByConcurrency;

    /// <summary>
    /// CAPS: at most this many calls are placed in any rolling second of the sandbox's clock; the next one is answered
    /// 429 (with <c>Retry-After: 1</c>) and not placed. Null: no limit (the default). Settable at any time.
    /// </summary>
    public int? CallsPerSecond
    {
        get => Volatile.Read(ref _callsPerSecond) is > 0 and var limit ? limit : null;
        set => Volatile.Write(ref _callsPerSecond, CheckLimit(value));
    }

    /// <summary>
    /// At most this many calls pending or in progress at once; the next one is answered 429 and not placed. Null: no
    /// limit (the default). Settable at any time; lowering it never ends live calls.
    /// </summary>
    public int? MaxConcurrentCalls
    {
        get => Volatile.Read(ref _maxConcurrentCalls) is > 0 and var limit ? limit : null;
        set => Volatile.Write(ref _maxConcurrentCalls, CheckLimit(value));
    }

    /// <summary>Calls refused with 429 because of <see cref="CallsPerSecond"/>.</summary>
    public long CallsRefusedByCaps => Interlocked.Read(ref _refusedByCaps);

    /// <summary>Calls refused with 429 because of <see cref="MaxConcurrentCalls"/>.</summary>
    public long CallsRefusedByConcurrency => Interlocked.Read(ref _refusedByConcurrency);

    /// <summary>Every 429 <c>POST /calls</c> answered for a limit: CAPS and concurrency together.</summary>
    public long RateLimitedCalls => CallsRefusedByCaps + CallsRefusedByConcurrency;

    /// <summary>Calls pending or in progress right now.</summary>
    public int LiveCallCount
    {
        get
        {
            lock (_gate)
            {
                return _liveCalls.Count;
            }
        }
    }

    /// <summary>Null when a new call may be placed now, else the 429 to answer. Under <see cref="_gate"/>; records nothing.</summary>
    private SandboxReply? CheckLimits(DateTimeOffset now)
    {
        // Rolling window: a placement at t counts until t + 1 s (exclusive).
        while (_recentPlacements.TryPeek(out var oldest) && oldest <= now - TimeSpan.FromSeconds(1))
        {
            _recentPlacements.Dequeue();
        }

        if (MaxConcurrentCalls is { } concurrency && _liveCalls.Count >= concurrency)
        {
            Interlocked.Increment(ref _refusedByConcurrency);
            return SandboxReply.TooManyRequests(
                $"Concurrency limit reached: {concurrency.ToString(CultureInfo.InvariantCulture)} calls are in progress. The call was not placed.",
                retryAfter: null);
        }

        if (CallsPerSecond is { } caps && _recentPlacements.Count >= caps)
        {
            Interlocked.Increment(ref _refusedByCaps);
            return SandboxReply.TooManyRequests(
                $"CAPS limit reached: {caps.ToString(CultureInfo.InvariantCulture)} new calls per second. The call was not placed.",
                retryAfter: TimeSpan.FromSeconds(1));
        }

        return null;
    }

    /// <summary>Counts a placed call against both limits. Under <see cref="_gate"/>.</summary>
    private void CountPlacement(string callId, DateTimeOffset now)
    {
        _recentPlacements.Enqueue(now);
        _liveCalls.Add(callId);
    }

    /// <summary>Replaces a call's record and keeps <see cref="_liveCalls"/> in step. Under <see cref="_gate"/>.</summary>
    private void Replace(int index, SandboxCall call)
    {
        _calls[index] = call;
        if (call.HasEnded)
        {
            _liveCalls.Remove(call.CallId);
        }
        else
        {
            _liveCalls.Add(call.CallId);
        }
    }

    private static int CheckLimit(int? value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null)
    {
        if (value is { } limit)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1, name);
        }

        return value ?? 0;
    }
}
