using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// The account limits the pacer enforces, resolved in this one place from the settings:
/// <c>Synthflow__CallsPerSecond</c> / <c>Synthflow__MaxConcurrentCalls</c> when set; otherwise in live mode Synthflow's
/// pay-as-you-go limits (1 and 5), and in sandbox mode the sandbox's own (<c>Sandbox__CallsPerSecond</c> /
/// <c>Sandbox__MaxConcurrentCalls</c>), which are unlimited unless set. A setting of 0 means no limit (an Enterprise
/// workspace). Both unlimited: the pacer does nothing at all.
/// </summary>
public sealed record PacingLimits
{
    public const double LiveDefaultCallsPerSecond = 1;
    public const int LiveDefaultMaxConcurrentCalls = 5;

    /// <summary>The GCRA safety margin: starts are spaced <c>1.02 / CallsPerSecond</c> apart, so a little jitter between the slot and Synthflow's clock never makes a rolling second hold one start too many.</summary>
    public const double SpacingMargin = 1.02;

    /// <summary>The longest <c>Synthflow__PacingMaxWait</c>: an unplaced reservation expires after <see cref="AccountPacer.ReservationExpiry"/>, which must leave time to place the call.</summary>
    public static readonly TimeSpan LongestMaxWait = TimeSpan.FromMinutes(1);

    /// <summary>Starts per second; null: no rate limit.</summary>
    public double? CallsPerSecond { get; init; }

    /// <summary>Calls live at once; null: no concurrency limit.</summary>
    public int? MaxConcurrentCalls { get; init; }

    /// <summary>How long make-a-call waits for a slot.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Age after which a live call without its end event is looked up when the pacer is full.</summary>
    public TimeSpan LiveCallCheckAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>False when neither limit applies: no pacing work, no storage traffic.</summary>
    public bool IsPaced => CallsPerSecond is not null || MaxConcurrentCalls is not null;

    /// <summary>Least time between two reserved starts; zero without a rate limit.</summary>
    public TimeSpan Spacing => CallsPerSecond is { } rate ? TimeSpan.FromTicks((long)Math.Ceiling(TimeSpan.TicksPerSecond * SpacingMargin / rate)) : TimeSpan.Zero;

    /// <summary>
    /// The local send window (see <see cref="PacingCoordinator"/>): at most this many calls of one process count at once,
    /// a call counting from its send until <see cref="SendWindow"/> after its answer (the whole calls per second, at least
    /// 1); null without a rate limit. With steady slots and answers within the spacing margin it holds nobody back.
    /// </summary>
    public int? SendsPerWindow => CallsPerSecond is { } rate ? Math.Max(1, (int)Math.Floor(rate)) : null;

    /// <summary>
    /// How far ahead a start may be reserved: two spacings. A reservation holds a concurrency slot from the moment it is
    /// made, so callers whose start is further off wait without one (at 20 calls/s, 102 ms: about two slots held ahead).
    /// </summary>
    public TimeSpan BookAhead => Spacing * 2;

    /// <summary>How long after its answer a call still counts in the local send window: Synthflow's rolling second and 5 ms.</summary>
    public static TimeSpan SendWindow { get; } = TimeSpan.FromMilliseconds(1005);

    /// <summary>No limits (what tests of other parts and an unset sandbox get).</summary>
    public static PacingLimits None { get; } = new();

    /// <summary>The rule. <paramref name="sandbox"/>: the simulator's own limits in sandbox mode (the composition root supplies them; null: none).</summary>
    public static PacingLimits Resolve(SynthflowOptions options, SandboxAccountLimits? sandbox)
    {
        ArgumentNullException.ThrowIfNull(options);
        var isSandbox = options.IsSandbox;
        return new PacingLimits
        {
            CallsPerSecond = options.CallsPerSecond is { } rate
                ? (rate > 0 ? rate : null)
                : isSandbox ? sandbox?.CallsPerSecond : LiveDefaultCallsPerSecond,
            MaxConcurrentCalls = options.MaxConcurrentCalls is { } max
                ? (max > 0 ? max : null)
                : isSandbox ? sandbox?.MaxConcurrentCalls : LiveDefaultMaxConcurrentCalls,
            MaxWait = options.PacingMaxWait,
            LiveCallCheckAfter = options.LiveCallCheckAfter,
        };
    }
}

/// <summary>The account limits the sandbox simulator enforces (<c>Sandbox__CallsPerSecond</c>, <c>Sandbox__MaxConcurrentCalls</c>; null: none).</summary>
public sealed record SandboxAccountLimits(int? CallsPerSecond, int? MaxConcurrentCalls);
