using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Tests.Pacing;

/// <summary>The coordinator's sleepers as a clock pump sees them: counted asleep only once their wake-up is armed.</summary>
public sealed class PacingCoordinatorTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_caller_is_counted_asleep_only_once_its_timer_is_armed_so_moving_the_clock_to_its_wake_up_wakes_it()
    {
        var clock = new TimerGatedClock(new DateTimeOffset(2025, 6, 2, 9, 0, 0, TimeSpan.Zero));
        var coordinator = new PacingCoordinator(clock);
        var wakeAt = clock.GetUtcNow() + TimeSpan.FromSeconds(1);

        var sleeping = Task.Run(() => coordinator.SleepAsync(wakeAt, release: null, CancellationToken.None));
        Assert.True(clock.TimerRequested.Wait(Limit), "SleepAsync never armed a timer.");

        // Held inside the timer's creation: not yet asleep, so a pump (which moves the clock only when every caller
        // sleeps) leaves the clock alone. Counted asleep here, it would move the clock before the timer exists.
        Assert.Equal(0, coordinator.SleepingCallers);
        Assert.Null(coordinator.NextWakeAt);

        clock.AllowTimers.Set();
        Assert.True(SpinWait.SpinUntil(() => coordinator.SleepingCallers == 1, Limit), "The caller never went to sleep.");
        Assert.Equal(wakeAt, coordinator.NextWakeAt);
        Assert.False(sleeping.IsCompleted);

        clock.Inner.Advance(wakeAt - clock.GetUtcNow());
        await sleeping.WaitAsync(Limit);
        Assert.Equal(0, coordinator.SleepingCallers);
    }

    /// <summary>A fake clock whose timers are created only when the test allows it (and which says when one is asked for).</summary>
    private sealed class TimerGatedClock(DateTimeOffset start) : TimeProvider
    {
        public FakeTimeProvider Inner { get; } = new(start);

        public ManualResetEventSlim TimerRequested { get; } = new();

        public ManualResetEventSlim AllowTimers { get; } = new();

        public override DateTimeOffset GetUtcNow() => Inner.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            TimerRequested.Set();
            AllowTimers.Wait(Limit);
            return Inner.CreateTimer(callback, state, dueTime, period);
        }
    }
}
