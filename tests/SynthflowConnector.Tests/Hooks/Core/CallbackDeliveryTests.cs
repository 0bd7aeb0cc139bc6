using System.Text.Json.Nodes;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Tests.Hooks.Core;

/// <summary>Deliveries over a real socket to a local callback receiver; the backoff on the fake clock.</summary>
public sealed class CallbackDeliveryTests : IAsyncLifetime, IDisposable
{
    private readonly HookRig _rig = new();
    private CallbackReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await CallbackReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task A_2xx_answer_delivers_the_event_json_with_every_field()
    {
        var subscription = await _rig.SubscribeAsync(_receiver.Url("flow/run?sig=s3cret"));
        var message = await QueuedDeliveryAsync();

        var outcome = await _rig.Delivery.HandleAsync(message, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, outcome);
        var received = Assert.Single(_receiver.Received);
        Assert.Equal("/flow/run?sig=s3cret", received.PathAndQuery);
        Assert.StartsWith("application/json", received.ContentType, StringComparison.Ordinal);
        var json = JsonNode.Parse(received.Body)!.AsObject();
        Assert.Equal(HookRig.CallId, json["callId"]!.GetValue<string>());
        Assert.Equal("completed", json["status"]!.GetValue<string>());
        Assert.Equal("car", json["extractedValues"]!["extract_info_1"]!["purchase"]!.GetValue<string>());
        Assert.True(json.ContainsKey("customEndCallReason"));
        Assert.Null(json["customEndCallReason"]);
        Assert.Equal(subscription.Id, message.SubscriptionId);
        Assert.Empty(_rig.Queues.Deliveries);
        Assert.DoesNotContain(_rig.Logs.Lines, line => line.Contains("s3cret", StringComparison.Ordinal) || line.Contains("flow/run", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Callback_fails_twice_then_is_delivered_on_the_third_try_after_15_then_30_seconds()
    {
        await using var flaky = await CallbackReceiver.StartAsync(500, 503);
        await _rig.SubscribeAsync(flaky.Url("flow"));
        var first = await QueuedDeliveryAsync();

        Assert.Equal(DeliveryOutcome.RetryQueued, await _rig.Delivery.HandleAsync(first, CancellationToken.None));
        var (second, firstDelay) = _rig.Queues.TakeDelivery();
        Assert.Equal(TimeSpan.FromSeconds(15), firstDelay);
        Assert.Equal(2, second.Attempt);
        Assert.Equal(first.FirstQueuedAt, second.FirstQueuedAt);
        _rig.Clock.Advance(firstDelay);

        Assert.Equal(DeliveryOutcome.RetryQueued, await _rig.Delivery.HandleAsync(second, CancellationToken.None));
        var (third, secondDelay) = _rig.Queues.TakeDelivery();
        Assert.Equal(TimeSpan.FromSeconds(30), secondDelay);
        Assert.Equal(3, third.Attempt);
        _rig.Clock.Advance(secondDelay);

        Assert.Equal(DeliveryOutcome.Delivered, await _rig.Delivery.HandleAsync(third, CancellationToken.None));
        Assert.Equal(3, flaky.Received.Count);
        Assert.Empty(_rig.Queues.Poison);
        Assert.Empty(_rig.Failures.All);
    }

    [Theory]
    [InlineData(404)]
    [InlineData(410)]
    public async Task Not_found_or_gone_removes_the_subscription(int status)
    {
        await using var gone = await CallbackReceiver.StartAsync(status);
        var subscription = await _rig.SubscribeAsync(gone.Url("flow"));
        var message = await QueuedDeliveryAsync();

        Assert.Equal(DeliveryOutcome.SubscriptionRemoved, await _rig.Delivery.HandleAsync(message, CancellationToken.None));

        Assert.Null(await _rig.Subscriptions.GetAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None));
        Assert.Equal(DeliveryOutcome.Skipped, await _rig.Delivery.HandleAsync(message, CancellationToken.None));
        Assert.Single(gone.Received);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(422)]
    public async Task Another_4xx_gives_up_at_once_to_the_poison_queue_with_a_failure_naming_the_host_only(int status)
    {
        await using var refusing = await CallbackReceiver.StartAsync(status);
        await _rig.SubscribeAsync(refusing.Url("flow/run?sig=s3cret"));
        var message = await QueuedDeliveryAsync();

        Assert.Equal(DeliveryOutcome.GaveUp, await _rig.Delivery.HandleAsync(message, CancellationToken.None));

        // Both name the delivery; the event it carried stays in the event store.
        Assert.NotNull(message.Event);
        Assert.Equal(message with { Event = null }, Assert.Single(_rig.Queues.Poison));
        var failure = Assert.Single(_rig.Failures.All);
        Assert.Equal("127.0.0.1", failure.TargetHost);
        Assert.Equal(status, failure.LastStatusCode);
        Assert.Equal(message with { Event = null }, failure.Delivery);
        Assert.DoesNotContain("s3cret", failure.Reason, StringComparison.Ordinal);
        Assert.Empty(_rig.Queues.Deliveries);
    }

    [Fact]
    public async Task Retries_stop_after_the_24_hour_window_poison_and_failure_recorded()
    {
        await using var down = await CallbackReceiver.StartAsync(Enumerable.Repeat(503, 100).ToArray());
        await _rig.SubscribeAsync(down.Url("flow"));
        var message = await QueuedDeliveryAsync();
        var delays = new List<TimeSpan>();

        DeliveryOutcome outcome;
        while ((outcome = await _rig.Delivery.HandleAsync(message, CancellationToken.None)) == DeliveryOutcome.RetryQueued)
        {
            TimeSpan delay;
            (message, delay) = _rig.Queues.TakeDelivery();
            delays.Add(delay);
            _rig.Clock.Advance(delay);
        }

        Assert.Equal(DeliveryOutcome.GaveUp, outcome);
        Assert.Equal(TimeSpan.FromSeconds(15), delays[0]);
        Assert.Equal(TimeSpan.FromHours(4), delays.Max());
        Assert.Equal(TimeSpan.FromHours(24), delays.Aggregate(TimeSpan.Zero, (sum, d) => sum + d)); // the last try at the window's end
        Assert.Equal(_rig.Clock.GetUtcNow(), message.FirstQueuedAt + TimeSpan.FromHours(24));
        Assert.Equal(delays.Count + 1, down.Received.Count);
        Assert.Single(_rig.Queues.Poison);
        var failure = Assert.Single(_rig.Failures.All);
        Assert.Equal(503, failure.LastStatusCode);
        Assert.Equal(delays.Count + 1, failure.Delivery.Attempt);
    }

    [Fact]
    public async Task No_answer_at_all_is_retried()
    {
        var closedPort = new Uri($"http://127.0.0.1:{Tests.Infrastructure.LoopbackPorts.Free()}/flow");
        await _rig.SubscribeAsync(closedPort);
        var message = await QueuedDeliveryAsync();

        Assert.Equal(DeliveryOutcome.RetryQueued, await _rig.Delivery.HandleAsync(message, CancellationToken.None));

        Assert.Equal(TimeSpan.FromSeconds(15), _rig.Queues.TakeDelivery().Delay);
    }

    [Fact]
    public async Task A_sender_that_hangs_is_cut_off_by_the_delivery_timeout_on_the_clock()
    {
        var hanging = new HangingSender();
        using var rig = new HookRig(sender: hanging);
        await rig.SubscribeAsync(new Uri("https://flows.example/run"));
        var message = await QueuedDeliveryAsync(rig);

        var handling = rig.Delivery.HandleAsync(message, CancellationToken.None);
        await hanging.Started.Task;
        rig.Clock.Advance(rig.Settings.DeliveryTimeout);

        Assert.Equal(DeliveryOutcome.RetryQueued, await handling);
    }

    [Fact]
    public async Task A_forward_posts_the_original_webhook_body_with_the_synthflow_signature()
    {
        await _rig.PlacedCalls.AddAsync(
            new PlacedCall { CallId = HookRig.CallId, ModelId = HookRig.Agent, PlacedAt = _rig.Clock.GetUtcNow(), ForwardUrl = _receiver.Url("crm") },
            CancellationToken.None);
        var message = await QueuedDeliveryAsync();

        Assert.Null(message.SubscriptionId);
        Assert.Equal(DeliveryOutcome.Delivered, await _rig.Delivery.HandleAsync(message, CancellationToken.None));

        var received = Assert.Single(_receiver.Received);
        Assert.Equal(HookRig.DocumentedWebhook(), received.Body);
        Assert.Equal(WebhookSignature.Compute(HookRig.Secret, HookRig.CallId), received.Headers[CallEventIntake.SignatureHeader]);
    }

    private Task<DeliveryMessage> QueuedDeliveryAsync() => QueuedDeliveryAsync(_rig);

    /// <summary>
    /// Receives the documented webhook, stores it as the fan-out does and answers the one delivery the fan-out would
    /// hand <see cref="CallbackDelivery"/> for its first try (to the one subscription, or the placed call's forward).
    /// </summary>
    private static async Task<DeliveryMessage> QueuedDeliveryAsync(HookRig rig)
    {
        var callEnded = await rig.AcceptDocumentedAsync();
        var queued = Assert.Single(rig.Queues.Events);
        Assert.True(await rig.Events.TryClaimAsync(
            new StoredCallEvent { Event = callEnded, OriginalBody = queued.OriginalBody, FannedOut = true, Claim = queued.Claim }, CancellationToken.None));
        var now = rig.Clock.GetUtcNow();
        var placed = await rig.PlacedCalls.GetAsync(HookRig.CallId, CancellationToken.None);
        DeliveryMessage[] deliveries =
        [
            .. (await rig.Subscriptions.ListAsync(HookEvents.CallEnded, CancellationToken.None))
                .Where(subscription => subscription.Matches(callEnded))
                .Select(subscription => new DeliveryMessage
                {
                    CallId = callEnded.CallId, Status = callEnded.Status, SubscriptionId = subscription.Id, FirstQueuedAt = now, Event = callEnded,
                }),
            .. placed?.ForwardUrl is { } forwardUrl
                ? [new DeliveryMessage { CallId = callEnded.CallId, Status = callEnded.Status, ForwardUrl = forwardUrl, FirstQueuedAt = now }]
                : Array.Empty<DeliveryMessage>(),
        ];
        return Assert.Single(deliveries);
    }

    private sealed class HangingSender : ICallbackSender
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task<CallbackResult> PostAsync(Uri url, ReadOnlyMemory<byte> jsonBody, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
        {
            Started.SetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
            return new CallbackResult(200);
        }
    }
}
