using System.Collections.Concurrent;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Pacing;

/// <summary>The pacer's rules on a fake clock and an in-memory record: spacing, concurrency, waits, frees.</summary>
public sealed class AccountPacerTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Concurrent_acquires_start_spaced_by_the_margin_and_never_more_than_CAPS_in_a_rolling_second()
    {
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = 5, MaxConcurrentCalls = null });
        var starts = new ConcurrentBag<(DateTimeOffset Now, PacingSlot Slot)>();
        var work = Enumerable.Range(0, 40).Select(_ => Task.Run(async () =>
        {
            var pacer = rig.Pacer;
            var slot = await pacer.AcquireAsync(Long, CancellationToken.None);
            starts.Add((rig.Clock.GetUtcNow(), slot));
            pacer.Answered(slot); // Synthflow answers at once
        })).ToList();

        await rig.PumpAsync(work);

        Assert.Equal(40, starts.Count);
        Assert.All(starts, s => Assert.Equal(s.Slot.StartAt, s.Now)); // nobody starts before (or after) its slot
        var ordered = starts.Select(s => s.Now).Order().ToList();
        var spacing = TimeSpan.FromSeconds(1.02 / 5);
        Assert.All(ordered.Zip(ordered.Skip(1)), pair => Assert.True(pair.Second - pair.First >= spacing - TimeSpan.FromTicks(1), $"{pair.First:O} → {pair.Second:O}"));
        Assert.Equal(5, PacingRig.MaxInAnyRollingSecond(ordered));
        Assert.Empty(rig.Store.State.Live); // rate only: no concurrency slots kept
    }

    [Fact]
    public async Task Live_calls_never_exceed_the_limit_and_an_end_frees_a_slot_for_the_next()
    {
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = 10, MaxConcurrentCalls = 3 });
        var live = 0;
        var peak = 0;
        var starts = new ConcurrentBag<DateTimeOffset>();
        var work = Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
        {
            var pacer = rig.Pacer;
            var slot = await pacer.AcquireAsync(Long, CancellationToken.None);
            starts.Add(rig.Clock.GetUtcNow());
            var now = Interlocked.Increment(ref live);
            InterlockedMax(ref peak, now);
            await pacer.BindAsync(slot, $"call-{i}", CancellationToken.None);
            await rig.Sleepers.SleepAsync(TimeSpan.FromSeconds(2));
            Interlocked.Decrement(ref live);
            await new AccountPacerObserver(pacer).OnCallEndedAsync(new() { CallId = $"call-{i}", Status = "completed", ReceivedAt = rig.Clock.GetUtcNow() }, null, CancellationToken.None);
        })).ToList();

        await rig.PumpAsync(work);

        Assert.Equal(3, peak);
        Assert.Equal(12, starts.Count);
        Assert.True(PacingRig.MaxInAnyRollingSecond(starts) <= 10);
        Assert.Empty(rig.Store.State.Live);
    }

    [Fact]
    public async Task A_start_booked_past_the_wait_is_refused_at_once_with_Retry_After_and_reserves_nothing()
    {
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = 1, MaxConcurrentCalls = 5 });
        var first = await rig.Pacer.AcquireAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
        var second = rig.Pacer.AcquireAsync(TimeSpan.FromSeconds(2), CancellationToken.None);
        var before = rig.Store.State;

        var refused = await Assert.ThrowsAsync<PacingUnavailableException>(() => rig.Pacer.AcquireAsync(TimeSpan.FromSeconds(1), CancellationToken.None));

        Assert.Equal(TimeSpan.FromSeconds(2), refused.RetryAfter); // booked until 2.04 s, 1 s allowed: 1.04 s, rounded up
        Assert.Equal(before.NextStartAt, rig.Store.State.NextStartAt);
        Assert.Equal(2, rig.Store.State.Live.Count);
        Assert.Equal(rig.Clock.GetUtcNow(), first.StartAt);
        await rig.PumpAsync([second]);
        Assert.Equal(first.StartAt + TimeSpan.FromSeconds(1.02), (await second).StartAt);
    }

    [Fact]
    public async Task Retry_After_is_the_time_until_a_start_would_fit_in_the_wait_rounded_up_to_seconds()
    {
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = 0.2 }); // one start every 5.1 s
        await rig.Pacer.AcquireAsync(TimeSpan.Zero, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<PacingUnavailableException>(() => rig.Pacer.AcquireAsync(TimeSpan.FromSeconds(2), CancellationToken.None));

        Assert.Equal(TimeSpan.FromSeconds(4), refused.RetryAfter); // 5.1 s booked − 2 s allowed = 3.1 s → 4 s
    }

    [Fact]
    public async Task When_every_slot_stays_taken_for_the_whole_wait_the_acquire_gives_up_after_max_wait()
    {
        var rig = new PacingRig(new PacingLimits { MaxConcurrentCalls = 1 });
        var held = await rig.Pacer.AcquireAsync(Long, CancellationToken.None);
        await rig.Pacer.BindAsync(held, "call-long", CancellationToken.None);
        var started = rig.Clock.GetUtcNow();
        var waiting = rig.Pacer.AcquireAsync(TimeSpan.FromSeconds(3), CancellationToken.None);

        await rig.PumpAsync([waiting.ContinueWith(_ => { }, TaskScheduler.Default)]);

        var refused = await Assert.ThrowsAsync<PacingUnavailableException>(() => waiting);
        Assert.Equal(AccountPacer.FullRetryAfter, refused.RetryAfter);
        Assert.Equal(started + TimeSpan.FromSeconds(3), rig.Clock.GetUtcNow());
        Assert.Single(rig.Store.State.Live);
    }

    [Fact]
    public async Task A_local_release_wakes_a_waiting_caller_at_once()
    {
        var rig = new PacingRig(new PacingLimits { MaxConcurrentCalls = 1 });
        var held = await rig.Pacer.AcquireAsync(Long, CancellationToken.None);
        var waiting = rig.Pacer.AcquireAsync(Long, CancellationToken.None);
        await WaitUntilAsync(() => rig.Coordinator.SleepingCallers == 1);

        await rig.Pacer.ReleaseAsync(held.SlotId, CancellationToken.None);
        var next = await waiting;

        Assert.Equal(held.StartAt, next.StartAt); // no clock moved
        Assert.Equal(next.SlotId, Assert.Single(rig.Store.State.Live).Key);
    }

    [Fact]
    public async Task A_reservation_never_placed_expires_after_two_minutes()
    {
        var rig = new PacingRig(new PacingLimits { MaxConcurrentCalls = 1 });
        await rig.Pacer.AcquireAsync(Long, CancellationToken.None); // the process "crashes" here: no bind, no release
        rig.Clock.Advance(AccountPacer.ReservationExpiry - TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<PacingUnavailableException>(() => rig.Pacer.AcquireAsync(TimeSpan.Zero, CancellationToken.None));

        rig.Clock.Advance(TimeSpan.FromSeconds(1));
        var slot = await rig.Pacer.AcquireAsync(TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(slot.SlotId, Assert.Single(rig.Store.State.Live).Key);
    }

    [Fact]
    public async Task A_bound_call_does_not_expire_with_reservations()
    {
        var rig = new PacingRig(new PacingLimits { MaxConcurrentCalls = 1, LiveCallCheckAfter = TimeSpan.FromMinutes(10) });
        var slot = await rig.Pacer.AcquireAsync(Long, CancellationToken.None);
        await rig.Pacer.BindAsync(slot, "call-1", CancellationToken.None);
        rig.Clock.Advance(TimeSpan.FromMinutes(5));

        await Assert.ThrowsAsync<PacingUnavailableException>(() => rig.Pacer.AcquireAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Equal("call-1", Assert.Single(rig.Store.State.Live).Value.CallId);
    }

    [Fact]
    public async Task A_late_event_is_found_by_looking_the_call_up_once_it_is_old_and_the_pacer_is_full()
    {
        var rig = new PacingRig(new PacingLimits { MaxConcurrentCalls = 1, LiveCallCheckAfter = TimeSpan.FromMinutes(2) });
        var slot = await rig.Pacer.AcquireAsync(Long, CancellationToken.None);
        await rig.Pacer.BindAsync(slot, "call-1", CancellationToken.None);
        rig.Synthflow.Calls["call-1"] = new SynthflowCall { CallId = "call-1", Status = "in-progress" };

        rig.Clock.Advance(TimeSpan.FromSeconds(90));
        await Assert.ThrowsAsync<PacingUnavailableException>(() => rig.Pacer.AcquireAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Empty(rig.Synthflow.Lookups); // not old enough to look up

        rig.Clock.Advance(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<PacingUnavailableException>(() => rig.Pacer.AcquireAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Equal(["call-1"], rig.Synthflow.Lookups); // still in progress: kept, and not asked again within 30 s
        rig.Clock.Advance(TimeSpan.FromSeconds(29));
        await Assert.ThrowsAsync<PacingUnavailableException>(() => rig.Pacer.AcquireAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Single(rig.Synthflow.Lookups);

        rig.Synthflow.Calls["call-1"] = new SynthflowCall { CallId = "call-1", Status = "completed" };
        rig.Clock.Advance(TimeSpan.FromSeconds(1));
        var next = await rig.Pacer.AcquireAsync(TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(2, rig.Synthflow.Lookups.Count);
        Assert.Equal(next.SlotId, Assert.Single(rig.Store.State.Live).Key);
    }

    [Fact]
    public async Task A_call_Synthflow_does_not_know_is_freed_and_a_failed_lookup_keeps_the_slot()
    {
        var rig = new PacingRig(new PacingLimits { MaxConcurrentCalls = 1, LiveCallCheckAfter = TimeSpan.FromSeconds(10) });
        var slot = await rig.Pacer.AcquireAsync(Long, CancellationToken.None);
        await rig.Pacer.BindAsync(slot, "call-gone", CancellationToken.None);
        rig.Clock.Advance(TimeSpan.FromSeconds(10));
        rig.Synthflow.Fault = new SynthflowTransportException("no route", null) { IsTimeout = false, Operation = "get-call" };

        await Assert.ThrowsAsync<PacingUnavailableException>(() => rig.Pacer.AcquireAsync(TimeSpan.Zero, CancellationToken.None));
        Assert.Single(rig.Store.State.Live);

        rig.Synthflow.Fault = null; // the fake answers 404 for an unknown call
        rig.Clock.Advance(AccountPacer.CheckInterval);
        await rig.Pacer.AcquireAsync(TimeSpan.Zero, CancellationToken.None);
        Assert.DoesNotContain(rig.Store.State.Live.Values, held => held.CallId == "call-gone");
    }

    [Fact]
    public async Task Release_by_slot_id_or_call_id_is_idempotent_and_an_unknown_id_writes_nothing()
    {
        var rig = new PacingRig(new PacingLimits { MaxConcurrentCalls = 2 });
        var a = await rig.Pacer.AcquireAsync(Long, CancellationToken.None);
        var b = await rig.Pacer.AcquireAsync(Long, CancellationToken.None);
        await rig.Pacer.BindAsync(b, "call-b", CancellationToken.None);

        await rig.Pacer.ReleaseAsync(a.SlotId, CancellationToken.None);
        await rig.Pacer.ReleaseAsync("call-b", CancellationToken.None);
        var writes = rig.Store.Writes;
        await rig.Pacer.ReleaseAsync("call-b", CancellationToken.None);
        await rig.Pacer.ReleaseAsync("never-heard-of", CancellationToken.None);

        Assert.Empty(rig.Store.State.Live);
        Assert.Equal(writes, rig.Store.Writes);
    }

    [Fact]
    public async Task Without_limits_the_pacer_never_touches_the_store()
    {
        var rig = new PacingRig(PacingLimits.None);

        var slot = await rig.Pacer.AcquireAsync(Long, CancellationToken.None);
        await rig.Pacer.BindAsync(slot, "call-1", CancellationToken.None);
        await rig.Pacer.ReleaseAsync("call-1", CancellationToken.None);

        Assert.Equal(string.Empty, slot.SlotId);
        Assert.Equal(0, rig.Store.Reads + rig.Store.Writes);
    }

    [Fact]
    public async Task A_canceled_wait_gives_its_slot_back()
    {
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = 1, MaxConcurrentCalls = 5 });
        await rig.Pacer.AcquireAsync(Long, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = rig.Pacer.AcquireAsync(Long, cancel.Token);
        await WaitUntilAsync(() => rig.Coordinator.SleepingCallers == 1);
        Assert.Equal(2, rig.Store.State.Live.Count);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Single(rig.Store.State.Live);
    }

    [Fact]
    public async Task Without_contention_a_paced_call_costs_six_record_operations()
    {
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = 1, MaxConcurrentCalls = 5 });
        var pacer = rig.Pacer;

        var slot = await pacer.AcquireAsync(Long, CancellationToken.None);
        await pacer.BindAsync(slot, "call-1", CancellationToken.None);
        await new AccountPacerObserver(pacer).OnCallEndedAsync(new() { CallId = "call-1", Status = "completed", ReceivedAt = rig.Clock.GetUtcNow() }, new() { CallId = "call-1", ModelId = "m", PlacedAt = slot.StartAt, PacingSlotId = slot.SlotId }, CancellationToken.None);

        Assert.Equal((3, 3), (rig.Store.Reads, rig.Store.Writes));
        Assert.Empty(rig.Store.State.Live);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "The condition did not come true.");
            await Task.Delay(1);
        }
    }
}
