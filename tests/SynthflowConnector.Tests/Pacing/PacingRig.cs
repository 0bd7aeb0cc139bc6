using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Tests.Hooks.Core;

namespace SynthflowConnector.Tests.Pacing;

/// <summary>The pacing record in memory, ETag-guarded like the table, counting reads and writes.</summary>
internal sealed class InMemoryAccountPacingStore : IAccountPacingStore
{
    private readonly Lock _gate = new();
    private AccountPacingState? _state;
    private int _version;
    private int _reads;
    private int _writes;

    public int Reads => Volatile.Read(ref _reads);

    public int Writes => Volatile.Read(ref _writes);

    /// <summary>The stored state (an empty one before the first write).</summary>
    public AccountPacingState State
    {
        get
        {
            lock (_gate)
            {
                return _state ?? new AccountPacingState();
            }
        }
    }

    public Task<(AccountPacingState State, string? ETag)> ReadAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        lock (_gate)
        {
            return Task.FromResult(_state is null ? (new AccountPacingState(), (string?)null) : (_state, _version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    public Task<bool> TryWriteAsync(AccountPacingState state, string? etag, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writes);
        lock (_gate)
        {
            var current = _state is null ? null : _version.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (current != etag)
            {
                return Task.FromResult(false);
            }

            _state = state;
            _version++;
            return Task.FromResult(true);
        }
    }
}

/// <summary>Waits of a test's own (a simulated call's duration) that the pump counts like the pacer's sleepers.</summary>
internal sealed class TestSleepers(TimeProvider clock)
{
    private readonly ConcurrentDictionary<object, DateTimeOffset> _sleepers = new();

    public int Count
    {
        get
        {
            var now = clock.GetUtcNow();
            return _sleepers.Values.Count(wake => wake > now);
        }
    }

    public DateTimeOffset? NextWakeAt
    {
        get
        {
            var now = clock.GetUtcNow();
            var waking = _sleepers.Values.Where(wake => wake > now).ToList();
            return waking.Count == 0 ? null : waking.Min();
        }
    }

    public async Task SleepAsync(TimeSpan delay)
    {
        // Armed before it is counted, as PacingCoordinator.SleepAsync does: the pump may move the clock the moment it counts.
        var wakeAt = clock.GetUtcNow() + delay;
        var timer = Task.Delay(delay, clock);
        var token = new object();
        _sleepers[token] = wakeAt;
        try
        {
            await timer;
        }
        finally
        {
            _sleepers.TryRemove(token, out _);
        }
    }
}

/// <summary>
/// Moves a fake clock only when everything in flight is asleep on it, to the next wake-up (at most <c>step</c> ahead):
/// work woken at <c>t</c> finishes before the clock moves on, so a start happens at the time its slot says.
/// </summary>
internal static class ClockPump
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);

    /// <param name="unfinished">How many pieces of work are not done.</param>
    /// <param name="asleep">How many of them sleep on the clock.</param>
    /// <param name="nextWake">The earliest wake-up among them, if any.</param>
    public static async Task RunAsync(FakeTimeProvider clock, Func<int> unfinished, Func<int> asleep, Func<DateTimeOffset?> nextWake, TimeSpan step, TimeSpan limit, Action? afterSettle = null)
    {
        var end = clock.GetUtcNow() + limit;
        while (true)
        {
            var settleBy = DateTime.UtcNow + SettleTimeout;
            while (unfinished() != asleep())
            {
                if (DateTime.UtcNow > settleBy)
                {
                    throw new TimeoutException($"Work did not settle: {unfinished()} unfinished, {asleep()} asleep at {clock.GetUtcNow():O}.");
                }

                await Task.Delay(1);
            }

            afterSettle?.Invoke();
            if (unfinished() == 0)
            {
                return;
            }

            var now = clock.GetUtcNow();
            Assert.True(now < end, $"Still {unfinished()} unfinished after {limit} of fake time.");
            var to = nextWake() is { } wake && wake - now < step ? wake : now + step;
            clock.AdvanceTo(to > now ? to : now + TimeSpan.FromTicks(1));
            await Task.Delay(1); // let background work (webhooks, fan-out) move in real time too
        }
    }

    private static void AdvanceTo(this FakeTimeProvider clock, DateTimeOffset to) => clock.Advance(to - clock.GetUtcNow());
}

/// <summary>An <see cref="AccountPacer"/> on an in-memory record, a fake clock and a fake Synthflow.</summary>
internal sealed class PacingRig
{
    public PacingRig(PacingLimits limits)
    {
        Limits = limits;
        Coordinator = new PacingCoordinator(Clock);
        Sleepers = new TestSleepers(Clock);
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 6, 2, 9, 0, 0, TimeSpan.Zero));

    public PacingLimits Limits { get; }

    public InMemoryAccountPacingStore Store { get; } = new();

    public FakeSynthflowCalls Synthflow { get; } = new();

    public PacingCoordinator Coordinator { get; }

    public TestSleepers Sleepers { get; }

    public AccountPacer Pacer => new(Store, Limits, Coordinator, Synthflow, Clock, NullLogger<AccountPacer>.Instance);

    /// <summary>Runs <paramref name="work"/> to the end, moving the clock whenever all of it sleeps.</summary>
    public async Task PumpAsync(IReadOnlyList<Task> work, TimeSpan? step = null, TimeSpan? limit = null, Action? afterSettle = null)
    {
        await ClockPump.RunAsync(
            Clock,
            () => work.Count(task => !task.IsCompleted),
            () => Coordinator.SleepingCallers + Sleepers.Count,
            () => Min(Coordinator.NextWakeAt, Sleepers.NextWakeAt),
            step ?? TimeSpan.FromMilliseconds(100),
            limit ?? TimeSpan.FromMinutes(10),
            afterSettle);
        await Task.WhenAll(work);
    }

    public static DateTimeOffset? Min(params DateTimeOffset?[] times)
    {
        var known = times.OfType<DateTimeOffset>().ToList();
        return known.Count == 0 ? null : known.Min();
    }

    /// <summary>Most starts in any rolling second (a start at t counts until t + 1 s, exclusive), as the sandbox counts.</summary>
    public static int MaxInAnyRollingSecond(IEnumerable<DateTimeOffset> starts)
    {
        var sorted = starts.Order().ToList();
        var most = 0;
        for (var i = 0; i < sorted.Count; i++)
        {
            most = Math.Max(most, sorted.Skip(i).TakeWhile(t => t < sorted[i] + TimeSpan.FromSeconds(1)).Count());
        }

        return most;
    }
}
