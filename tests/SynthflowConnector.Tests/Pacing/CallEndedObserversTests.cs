using Microsoft.Extensions.Logging.Abstractions;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Hooks.Core;

namespace SynthflowConnector.Tests.Pacing;

/// <summary>The fan-out tells every registered <see cref="ICallEndedObserver"/> of a call's end before it delivers anything.</summary>
public sealed class CallEndedObserversTests : IDisposable
{
    private readonly RecordingSender _sender = new();
    private readonly HookRig _rig;

    public CallEndedObserversTests() => _rig = new HookRig(sender: _sender);

    public void Dispose() => _rig.Dispose();

    private CallEventFanOut FanOut(params ICallEndedObserver[] observers) =>
        new(_rig.Events, _rig.PlacedCalls, _rig.Subscriptions, _rig.Delivery, _rig.Synthflow, _rig.Clock, NullLogger<CallEventFanOut>.Instance, observers);

    private async Task<PlacedCall> PlacedAndEndedAsync()
    {
        var placed = new PlacedCall { CallId = HookRig.CallId, ModelId = HookRig.Agent, PlacedAt = _rig.Clock.GetUtcNow(), IdempotencyKey = "key-7", PacingSlotId = "slot-7" };
        await _rig.PlacedCalls.AddAsync(placed, CancellationToken.None);
        await _rig.AcceptDocumentedAsync();
        _rig.Synthflow.Calls[HookRig.CallId] = new SynthflowCall { CallId = HookRig.CallId, RecordingUrl = "https://rec.example/1.mp3" };
        return placed;
    }

    [Fact]
    public async Task Every_observer_hears_the_enriched_end_and_the_placed_call_before_anything_is_delivered()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/all"));
        var placed = await PlacedAndEndedAsync();
        var first = new RecordingObserver(_rig);
        var second = new RecordingObserver(_rig);

        await FanOut(first, second).HandleAsync(Assert.Single(_rig.Queues.Events), CancellationToken.None);

        foreach (var observer in new[] { first, second })
        {
            var (callEnded, seenPlaced, deliveredThen) = Assert.Single(observer.Seen);
            Assert.Equal("key-7", callEnded.IdempotencyKey);
            Assert.Equal("https://rec.example/1.mp3", callEnded.RecordingUrl);
            Assert.Equal(placed, seenPlaced);
            Assert.Equal(0, deliveredThen);
        }

        Assert.Single(_sender.Posts);
        Assert.True(_rig.Events[HookRig.CallId, "completed"]!.FannedOut);
    }

    [Fact]
    public async Task An_observer_that_throws_leaves_the_message_to_be_redelivered_with_nothing_delivered_and_the_redelivery_tells_it_again()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/all"));
        await PlacedAndEndedAsync();
        var message = Assert.Single(_rig.Queues.Events);
        var flaky = new RecordingObserver(_rig) { Fault = new StoreUnavailableException("Table storage is unreachable.", 503) };

        await Assert.ThrowsAsync<StoreUnavailableException>(() => FanOut(flaky).HandleAsync(message, CancellationToken.None));
        Assert.Empty(_sender.Posts);
        Assert.False(_rig.PlacedCalls.IsClosed(HookRig.CallId));

        flaky.Fault = null;
        await FanOut(flaky).HandleAsync(message, CancellationToken.None);
        Assert.Equal(2, flaky.Seen.Count);
        Assert.Single(_sender.Posts);
        Assert.True(_rig.PlacedCalls.IsClosed(HookRig.CallId));

        // The same webhook again is another message: its event is stored under the first one's claim, nobody is told.
        await _rig.AcceptDocumentedAsync();
        await FanOut(flaky).HandleAsync(_rig.Queues.Events.Last(), CancellationToken.None);
        Assert.Equal(2, flaky.Seen.Count);
        Assert.Single(_sender.Posts);
    }

    [Fact]
    public async Task The_pacers_observer_frees_the_slot_named_on_the_placed_call()
    {
        var rig = new PacingRig(new PacingLimits { MaxConcurrentCalls = 1 });
        var slot = await rig.Pacer.AcquireAsync(TimeSpan.Zero, CancellationToken.None);
        await rig.Pacer.BindAsync(slot, "call-1", CancellationToken.None);
        var observer = new AccountPacerObserver(rig.Pacer);
        var ended = new CallEndedEvent { CallId = "call-1", Status = "busy", ReceivedAt = rig.Clock.GetUtcNow() };

        await observer.OnCallEndedAsync(ended, new PlacedCall { CallId = "call-1", ModelId = "m", PlacedAt = slot.StartAt, PacingSlotId = slot.SlotId }, CancellationToken.None);
        Assert.Empty(rig.Store.State.Live);

        // Without a placed record (a call placed elsewhere, or its record lost) the call id is enough.
        var again = await rig.Pacer.AcquireAsync(TimeSpan.Zero, CancellationToken.None);
        await rig.Pacer.BindAsync(again, "call-2", CancellationToken.None);
        await observer.OnCallEndedAsync(ended with { CallId = "call-2" }, null, CancellationToken.None);
        Assert.Empty(rig.Store.State.Live);
    }

    private sealed class RecordingObserver(HookRig rig) : ICallEndedObserver
    {
        public List<(CallEndedEvent Event, PlacedCall? Placed, int DeliveredThen)> Seen { get; } = [];

        public Exception? Fault { get; set; }

        public Task OnCallEndedAsync(CallEndedEvent callEnded, PlacedCall? placed, CancellationToken cancellationToken)
        {
            Seen.Add((callEnded, placed, ((RecordingSender)rig.Sender).Posts.Count));
            return Fault is { } fault ? Task.FromException(fault) : Task.CompletedTask;
        }
    }
}
