using System.Collections.Concurrent;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// What the <see cref="AccountPacer"/>s of one process share (a singleton): a gate so they take turns at the shared
/// record instead of racing each other's ETags, a signal that wakes local callers waiting for a concurrency slot when a
/// slot is freed here, and the list of callers waiting on the clock (for diagnostics and tests).
/// </summary>
public sealed class PacingCoordinator(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<Sleeper, byte> _sleepers = new();
    private TaskCompletionSource _released = NewSource();

    /// <summary>Callers waiting on the clock right now (for their start, or polling for a free concurrency slot) and not yet woken.</summary>
    public int SleepingCallers
    {
        get
        {
            var now = timeProvider.GetUtcNow();
            return _sleepers.Keys.Count(sleeper => sleeper.IsAsleep(now));
        }
    }

    /// <summary>The earliest time a sleeping caller wakes by itself, or null when none sleeps.</summary>
    public DateTimeOffset? NextWakeAt
    {
        get
        {
            var now = timeProvider.GetUtcNow();
            var asleep = _sleepers.Keys.Where(sleeper => sleeper.IsAsleep(now)).Select(sleeper => sleeper.WakeAt).ToList();
            return asleep.Count == 0 ? null : asleep.Min();
        }
    }

    /// <summary>One read-modify-write of the shared record at a time per process.</summary>
    internal SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>Completes at the next local release (armed before the caller reads the state, so no release is missed).</summary>
    internal Task NextRelease => Volatile.Read(ref _released).Task;

    internal void SignalRelease() => Interlocked.Exchange(ref _released, NewSource()).TrySetResult();

    /// <summary>Waits until <paramref name="wakeAt"/> on the clock (or, with <paramref name="release"/>, until it completes first).</summary>
    internal async Task SleepAsync(DateTimeOffset wakeAt, Task? release, CancellationToken cancellationToken)
    {
        var delay = wakeAt - timeProvider.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        var sleeper = new Sleeper(wakeAt, release);
        _sleepers.TryAdd(sleeper, 0);
        try
        {
            var timer = Task.Delay(delay, timeProvider, cancellationToken);
            if (release is null)
            {
                await timer.ConfigureAwait(false);
            }
            else
            {
                await Task.WhenAny(timer, release).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            _sleepers.TryRemove(sleeper, out _);
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A waiting caller: asleep until its time has come or its release signal completed (whichever is first; both are visible at once, before the caller's continuation runs).</summary>
    private sealed class Sleeper(DateTimeOffset wakeAt, Task? release)
    {
        public DateTimeOffset WakeAt { get; } = wakeAt;

        public bool IsAsleep(DateTimeOffset now) => WakeAt > now && release is not { IsCompleted: true };
    }
}
