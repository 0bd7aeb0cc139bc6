using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Tests.Pacing;

/// <summary>
/// What lets the pacer keep a fast account's pace: one write of the shared record serves every request queued behind it
/// (group commit), starts are reserved at most two spacings ahead (a reservation holds a concurrency slot), and the local
/// send window keeps one rolling second at Synthflow within CAPS even when a request is slow on its way.
/// </summary>
public sealed class PacerThroughputTests
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Requests_queued_while_the_record_is_being_read_share_the_next_write()
    {
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = null, MaxConcurrentCalls = 50 });
        var store = new HeldStore(rig.Store);
        var pacer = new AccountPacer(store, rig.Limits, rig.Coordinator, rig.Synthflow, rig.Clock, NullLogger<AccountPacer>.Instance);

        // The first acquire's read is held; nine more queue behind the gate meanwhile.
        var first = pacer.AcquireAsync(Long, CancellationToken.None);
        await AccountPacerTests.WaitUntilAsync(() => store.ReadsWaiting == 1);
        var queued = Enumerable.Range(0, 9).Select(_ => pacer.AcquireAsync(Long, CancellationToken.None)).ToList();
        await AccountPacerTests.WaitUntilAsync(() => rig.Coordinator.Pending.Count == 9);
        store.ReleaseAll();

        var slots = await Task.WhenAll([first, .. queued]);

        Assert.Equal(10, slots.Select(s => s.SlotId).Distinct().Count());
        Assert.Equal(10, rig.Store.State.Live.Count);
        Assert.Equal(2, rig.Store.Writes); // the first request's write, then one for the nine
        Assert.Equal(2, rig.Coordinator.Writes);
    }

    [Fact]
    public async Task A_bind_and_a_release_queued_with_a_reservation_are_written_with_it()
    {
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = null, MaxConcurrentCalls = 2 });
        var pacer = rig.Pacer;
        var a = await pacer.AcquireAsync(Long, CancellationToken.None);
        var b = await pacer.AcquireAsync(Long, CancellationToken.None);
        var store = new HeldStore(rig.Store);
        var held = new AccountPacer(store, rig.Limits, rig.Coordinator, rig.Synthflow, rig.Clock, NullLogger<AccountPacer>.Instance);
        var writesBefore = rig.Store.Writes;

        var bind = held.BindAsync(a, "call-a", CancellationToken.None);
        await AccountPacerTests.WaitUntilAsync(() => store.ReadsWaiting == 1);
        var release = held.ReleaseAsync(b.SlotId, CancellationToken.None);
        var third = held.AcquireAsync(Long, CancellationToken.None);
        await AccountPacerTests.WaitUntilAsync(() => rig.Coordinator.Pending.Count == 2);
        store.ReleaseAll();
        await Task.WhenAll(bind, release);
        var slot = await third;

        // The release freed the slot the reservation in the same write took: full before, never over the limit.
        Assert.Equal(2, rig.Store.Writes - writesBefore);
        Assert.Equal("(unbound)|call-a", string.Join('|', rig.Store.State.Live.Values.Select(v => v.CallId ?? "(unbound)").Order(StringComparer.Ordinal)));
        Assert.Contains(slot.SlotId, rig.Store.State.Live.Keys);
    }

    [Fact]
    public async Task Starts_are_reserved_at_most_two_spacings_ahead_so_waiting_callers_hold_no_concurrency_slot()
    {
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = 10, MaxConcurrentCalls = 100 });
        var started = 0;
        var mostAhead = 0;
        var work = Enumerable.Range(0, 30).Select(_ => Task.Run(async () =>
        {
            var pacer = rig.Pacer;
            var slot = await pacer.AcquireAsync(Long, CancellationToken.None);
            Interlocked.Increment(ref started);
            pacer.Answered(slot);
        })).ToList();

        await rig.PumpAsync(work, afterSettle: () =>
        {
            // Reserved but not started yet (nobody binds or releases here, so every slot stays in the record).
            var ahead = rig.Store.State.Live.Count - Volatile.Read(ref started);
            mostAhead = Math.Max(mostAhead, ahead);
        });

        Assert.Equal(30, started);
        Assert.InRange(mostAhead, 1, 3);
    }

    [Fact]
    public async Task A_request_slow_on_its_way_holds_the_call_a_window_later_back_until_a_second_after_its_answer()
    {
        // 2 calls/s: slots 510 ms apart, at most 2 calls in any rolling second at Synthflow's end.
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = 2, MaxConcurrentCalls = null });
        var t0 = rig.Clock.GetUtcNow();
        var pacer = rig.Pacer;
        var first = await pacer.AcquireAsync(Long, CancellationToken.None);
        var answered = new TaskCompletionSource();
        var sends = new ConcurrentBag<DateTimeOffset>();
        var work = new List<Task>
        {
            Task.Run(async () =>
            {
                // The first call's request takes 40 ms to come back.
                await rig.Sleepers.SleepAsync(TimeSpan.FromMilliseconds(40));
                pacer.Answered(first);
            }),
        };
        work.AddRange(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            var p = rig.Pacer;
            var slot = await p.AcquireAsync(Long, CancellationToken.None);
            sends.Add(rig.Clock.GetUtcNow());
            p.Answered(slot);
        })));

        await rig.PumpAsync(work, step: TimeSpan.FromMilliseconds(5));

        var ordered = sends.Order().ToList();
        Assert.Equal(t0 + TimeSpan.FromMilliseconds(510), ordered[0]); // on its slot: only one call counted
        Assert.True(ordered[1] >= t0 + TimeSpan.FromMilliseconds(40) + PacingLimits.SendWindow, $"third call sent at +{(ordered[1] - t0).TotalMilliseconds} ms");
        Assert.True(ordered[1] < t0 + TimeSpan.FromMilliseconds(40) + PacingLimits.SendWindow + TimeSpan.FromMilliseconds(10));
        Assert.True(rig.Coordinator.WindowWaits > 0);
    }

    [Fact]
    public async Task With_answers_inside_the_margin_the_send_window_holds_nobody_back()
    {
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = 20, MaxConcurrentCalls = null });
        var sends = new ConcurrentBag<(DateTimeOffset Sent, PacingSlot Slot)>();
        var work = Enumerable.Range(0, 60).Select(_ => Task.Run(async () =>
        {
            var pacer = rig.Pacer;
            var slot = await pacer.AcquireAsync(Long, CancellationToken.None);
            sends.Add((rig.Clock.GetUtcNow(), slot));
            await rig.Sleepers.SleepAsync(TimeSpan.FromMilliseconds(10));
            pacer.Answered(slot);
        })).ToList();

        await rig.PumpAsync(work, step: TimeSpan.FromMilliseconds(5));

        Assert.All(sends, s => Assert.Equal(s.Slot.StartAt, s.Sent));
        Assert.Equal(0, rig.Coordinator.WindowWaits);
        Assert.Equal(20, PacingRig.MaxInAnyRollingSecond(sends.Select(s => s.Sent)));
    }

    [Fact]
    public async Task A_429_from_Synthflow_holds_every_start_back_for_its_Retry_After_and_never_brings_one_forward()
    {
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = 10, MaxConcurrentCalls = null });
        var t0 = rig.Clock.GetUtcNow();
        await rig.Pacer.BackOffAsync(TimeSpan.FromSeconds(3), CancellationToken.None);
        await rig.Pacer.BackOffAsync(TimeSpan.FromSeconds(1), CancellationToken.None); // a shorter one later changes nothing

        var acquire = rig.Pacer.AcquireAsync(Long, CancellationToken.None);
        await rig.PumpAsync([acquire]);

        Assert.Equal(t0 + TimeSpan.FromSeconds(3), (await acquire).StartAt);
        Assert.Equal(t0 + TimeSpan.FromSeconds(3) + rig.Limits.Spacing, rig.Store.State.NextStartAt);
    }

    /// <summary>Holds every read until released, so a test can line requests up behind one.</summary>
    private sealed class HeldStore(IAccountPacingStore inner) : IAccountPacingStore
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _waiting;

        public int ReadsWaiting => Volatile.Read(ref _waiting);

        public void ReleaseAll() => _released.TrySetResult();

        public async Task<(AccountPacingState State, string? ETag)> ReadAsync(CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _waiting);
            await _released.Task;
            Interlocked.Decrement(ref _waiting);
            return await inner.ReadAsync(cancellationToken);
        }

        public Task<bool> TryWriteAsync(AccountPacingState state, string? etag, CancellationToken cancellationToken) => inner.TryWriteAsync(state, etag, cancellationToken);
    }
}
