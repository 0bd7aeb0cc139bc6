using System.Text.Json.Nodes;
using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Hooks.Core;

/// <summary>
/// A subscription delivery carries the enriched event, so it reads neither the event nor (within the cache's duration)
/// the subscription; a message without one (from an older version, or too large for the queue) reads the stored event.
/// The fan-out makes the first try itself, so the receiver here answers the first POST 503 and the test takes the
/// retry that failure queued.
/// </summary>
public sealed class DeliveryCarriesEventTests : IAsyncLifetime, IDisposable
{
    private readonly HookRig _rig = new();
    private CallbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await CallbackReceiver.StartAsync(503);

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    public void Dispose() => _rig.Dispose();

    /// <summary>Fans the documented webhook out (its first try answered 503) and takes the retry it queued.</summary>
    private async Task<DeliveryMessage> FannedOutDeliveryAsync()
    {
        _rig.Synthflow.Calls[HookRig.CallId] = new SynthflowCall { CallId = HookRig.CallId, RecordingUrl = "https://rec.example/1.mp3" };
        await _rig.AcceptDocumentedAsync();
        await _rig.FanOut.HandleAsync(Assert.Single(_rig.Queues.Events), CancellationToken.None);
        var retry = _rig.Queues.TakeDelivery().Message;
        Assert.Equal(2, retry.Attempt);
        return retry;
    }

    [Fact]
    public async Task Subscription_deliveries_carry_the_enriched_event_and_a_forward_carries_none()
    {
        await using var down = await CallbackReceiver.StartAsync(503, 503);
        await _rig.SubscribeAsync(down.Url("flow"));
        await _rig.PlacedCalls.AddAsync(
            new PlacedCall { CallId = HookRig.CallId, ModelId = HookRig.Agent, PlacedAt = _rig.Clock.GetUtcNow(), ForwardUrl = down.Url("crm"), IdempotencyKey = "key-9" },
            CancellationToken.None);

        _rig.Synthflow.Calls[HookRig.CallId] = new SynthflowCall { CallId = HookRig.CallId, RecordingUrl = "https://rec.example/1.mp3" };
        await _rig.AcceptDocumentedAsync();

        await _rig.FanOut.HandleAsync(Assert.Single(_rig.Queues.Events), CancellationToken.None);

        var toSubscription = Assert.Single(_rig.Queues.Deliveries, d => d.Message.SubscriptionId is not null).Message;
        Assert.Equal("key-9", toSubscription.Event!.IdempotencyKey);
        Assert.Equal("https://rec.example/1.mp3", toSubscription.Event.RecordingUrl);
        Assert.Equal(_rig.Events[HookRig.CallId, "completed"]!.Event, toSubscription.Event);
        Assert.Null(Assert.Single(_rig.Queues.Deliveries, d => d.Message.ForwardUrl is not null).Message.Event);
        Assert.Equal(2, down.Received.Count);
    }

    [Fact]
    public async Task A_delivery_with_its_event_reads_no_event_and_no_subscription()
    {
        await _rig.SubscribeAsync(_receiver.Url("flow"));
        var message = await FannedOutDeliveryAsync();
        Assert.Equal(_rig.Events[HookRig.CallId, "completed"]!.Event, message.Event);
        Assert.Equal("https://rec.example/1.mp3", message.Event!.RecordingUrl);
        var (lists, gets) = (_rig.Subscriptions.Lists, _rig.Subscriptions.Gets);
        _rig.Events.Fault = new StoreUnavailableException("Table storage is unreachable.", 503);

        Assert.Equal(DeliveryOutcome.Delivered, await _rig.Delivery.HandleAsync(message, CancellationToken.None));

        Assert.Equal(2, _receiver.Received.Count);
        var json = JsonNode.Parse(_receiver.Received.Last().Body)!.AsObject();
        Assert.Equal(HookRig.CallId, json["callId"]!.GetValue<string>());
        Assert.Equal("https://rec.example/1.mp3", json["recordingUrl"]!.GetValue<string>());
        Assert.True(json.ContainsKey("customEndCallReason"));
        Assert.Equal((lists, gets), (_rig.Subscriptions.Lists, _rig.Subscriptions.Gets));
    }

    [Fact]
    public async Task A_delivery_without_its_event_reads_the_stored_one()
    {
        await _rig.SubscribeAsync(_receiver.Url("flow"));
        var message = await FannedOutDeliveryAsync() with { Event = null };

        Assert.Equal(DeliveryOutcome.Delivered, await _rig.Delivery.HandleAsync(message, CancellationToken.None));

        Assert.Equal(2, _receiver.Received.Count);
        var json = JsonNode.Parse(_receiver.Received.Last().Body)!.AsObject();
        Assert.Equal("https://rec.example/1.mp3", json["recordingUrl"]!.GetValue<string>());
        _rig.Events.Fault = new StoreUnavailableException("Table storage is unreachable.", 503);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => _rig.Delivery.HandleAsync(message, CancellationToken.None));
    }

    [Fact]
    public async Task A_retry_carries_the_event_on()
    {
        await using var flaky = await CallbackReceiver.StartAsync(503, 503);
        await _rig.SubscribeAsync(flaky.Url("flow"));
        var second = await FannedOutDeliveryAsync();

        Assert.Equal(DeliveryOutcome.RetryQueued, await _rig.Delivery.HandleAsync(second, CancellationToken.None));

        var (third, _) = _rig.Queues.TakeDelivery();
        Assert.Same(second.Event, third.Event);
        Assert.Equal(3, third.Attempt);
    }

    [Fact]
    public async Task A_subscription_removed_in_this_process_skips_its_queued_deliveries_at_once()
    {
        var subscription = await _rig.SubscribeAsync(_receiver.Url("flow"));
        var message = await FannedOutDeliveryAsync();

        await _rig.SubscriptionService.UnsubscribeAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Skipped, await _rig.Delivery.HandleAsync(message, CancellationToken.None));
        Assert.Single(_receiver.Received);
    }

    [Fact]
    public async Task A_404_clears_the_cache_so_the_next_delivery_to_that_subscription_is_skipped()
    {
        await using var gone = await CallbackReceiver.StartAsync(503, 404);
        await _rig.SubscribeAsync(gone.Url("flow"));
        var message = await FannedOutDeliveryAsync();
        await _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.SubscriptionRemoved, await _rig.Delivery.HandleAsync(message, CancellationToken.None));

        Assert.Equal(DeliveryOutcome.Skipped, await _rig.Delivery.HandleAsync(message, CancellationToken.None));
        Assert.Equal(2, gone.Received.Count);
        Assert.Empty(await _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None));
    }
}
