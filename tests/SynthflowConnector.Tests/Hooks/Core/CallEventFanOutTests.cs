using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Hooks.Core;

public sealed class CallEventFanOutTests : IDisposable
{
    private readonly HookRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task One_delivery_per_matching_subscription_by_agent_and_status()
    {
        var everything = await _rig.SubscribeAsync(new Uri("https://flows.example/all"));
        var thisAgent = await _rig.SubscribeAsync(new Uri("https://flows.example/agent"), HookRig.Agent);
        var otherAgent = await _rig.SubscribeAsync(new Uri("https://flows.example/other"), "other-agent");
        var completedOnly = await _rig.SubscribeAsync(new Uri("https://flows.example/done"), null, "Completed");
        var busyOnly = await _rig.SubscribeAsync(new Uri("https://flows.example/busy"), HookRig.Agent, "busy", "no-answer");
        await _rig.AcceptDocumentedAsync();
        _rig.Synthflow.Calls[HookRig.CallId] = new SynthflowCall { CallId = HookRig.CallId, RecordingUrl = "https://rec.example/1.mp3" };

        await _rig.FanOut.HandleAsync(Assert.Single(_rig.Queues.Events), CancellationToken.None);

        var queued = _rig.Queues.Deliveries.ToList();
        Assert.Equal(
            new[] { everything.Id, thisAgent.Id, completedOnly.Id }.Order(),
            queued.Select(d => d.Message.SubscriptionId!).Order());
        Assert.DoesNotContain(queued, d => d.Message.SubscriptionId == otherAgent.Id || d.Message.SubscriptionId == busyOnly.Id);
        Assert.All(queued, d =>
        {
            Assert.Equal(TimeSpan.Zero, d.Delay);
            Assert.Equal(1, d.Message.Attempt);
            Assert.Equal(_rig.Clock.GetUtcNow(), d.Message.FirstQueuedAt);
            Assert.Null(d.Message.ForwardUrl);
        });
        var stored = _rig.Events[HookRig.CallId, "completed"]!;
        Assert.True(stored.FannedOut);
        Assert.Equal("https://rec.example/1.mp3", stored.Event.RecordingUrl);
    }

    [Fact]
    public async Task A_placed_call_enriches_the_event_queues_the_forward_and_is_closed()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/all"));
        await _rig.PlacedCalls.AddAsync(new PlacedCall
        {
            CallId = HookRig.CallId, ModelId = HookRig.Agent, PlacedAt = _rig.Clock.GetUtcNow(), IdempotencyKey = "key-7",
            ForwardUrl = new Uri("https://crm.example/hook?token=abc"), ToPhoneNumber = "+1234334546", FromPhoneNumber = "+15550100",
        }, CancellationToken.None);
        _rig.Synthflow.Calls[HookRig.CallId] = new SynthflowCall { CallId = HookRig.CallId, RecordingUrl = "https://rec.example/1.mp3" };
        await _rig.AcceptDocumentedAsync();

        await _rig.FanOut.HandleAsync(Assert.Single(_rig.Queues.Events), CancellationToken.None);

        var forward = Assert.Single(_rig.Queues.Deliveries, d => d.Message.SubscriptionId is null).Message;
        Assert.Equal(new Uri("https://crm.example/hook?token=abc"), forward.ForwardUrl);
        Assert.Single(_rig.Queues.Deliveries, d => d.Message.SubscriptionId is not null);
        var e = _rig.Events[HookRig.CallId, "completed"]!.Event;
        Assert.Equal("key-7", e.IdempotencyKey);
        Assert.Equal("+15550100", e.FromPhoneNumber);
        Assert.Equal("https://rec.example/1.mp3", e.RecordingUrl);
        Assert.True(_rig.PlacedCalls.IsClosed(HookRig.CallId));
        Assert.DoesNotContain(_rig.Logs.Lines, line => line.Contains("token=abc", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_recording_url_from_the_webhook_needs_no_lookup_when_the_caller_id_is_known()
    {
        var body = HookRig.DocumentedWebhook()
            .Replace("\"duration\": 32", "\"duration\": 32, \"recording_url\": \"https://rec.example/w.mp3\", \"phone_number_from\": \"+15550100\"", StringComparison.Ordinal);
        Assert.Equal(WebhookIntakeStatus.Accepted, (await _rig.ReceiveAsync(body)).Status);

        await _rig.FanOut.HandleAsync(Assert.Single(_rig.Queues.Events), CancellationToken.None);

        Assert.Empty(_rig.Synthflow.Lookups);
        Assert.Equal("https://rec.example/w.mp3", _rig.Events[HookRig.CallId, "completed"]!.Event.RecordingUrl);
    }

    [Fact]
    public async Task A_failed_lookup_still_fans_out_what_the_webhook_said()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/all"));
        await _rig.AcceptDocumentedAsync();
        // No call record at the fake Synthflow: GET /calls/{id} answers 404.

        await _rig.FanOut.HandleAsync(Assert.Single(_rig.Queues.Events), CancellationToken.None);

        Assert.Single(_rig.Queues.Deliveries);
        Assert.Null(_rig.Events[HookRig.CallId, "completed"]!.Event.RecordingUrl);
        Assert.True(_rig.Events[HookRig.CallId, "completed"]!.FannedOut);
    }

    [Fact]
    public async Task A_redelivered_message_after_fan_out_queues_nothing_more()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/all"));
        await _rig.AcceptDocumentedAsync();
        var message = Assert.Single(_rig.Queues.Events);
        await _rig.FanOut.HandleAsync(message, CancellationToken.None);

        await _rig.FanOut.HandleAsync(message, CancellationToken.None);

        Assert.Single(_rig.Queues.Deliveries);
    }

    [Fact]
    public async Task The_deliveries_are_queued_at_once_not_one_after_another()
    {
        for (var i = 0; i < 3; i++)
        {
            await _rig.SubscribeAsync(new Uri($"https://flows.example/{i}"));
        }

        await _rig.AcceptDocumentedAsync();
        var gated = new GatedQueues(expected: 3);
        var fanOut = new CallEventFanOut(
            _rig.Events, _rig.PlacedCalls, _rig.Subscriptions, gated, _rig.Synthflow, _rig.Clock,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<CallEventFanOut>.Instance, subscriptionCache: _rig.SubscriptionCache);

        // Each enqueue waits until all three have started: done one after another, this would never finish.
        await fanOut.HandleAsync(Assert.Single(_rig.Queues.Events), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, gated.Started);
        Assert.True(_rig.Events[HookRig.CallId, "completed"]!.FannedOut);
    }

    [Fact]
    public async Task A_queue_fault_propagates_and_leaves_the_event_not_fanned_out()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/all"));
        await _rig.AcceptDocumentedAsync();
        var message = Assert.Single(_rig.Queues.Events);
        _rig.Queues.Fault = new StoreUnavailableException("Queue storage is unreachable.", 503);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => _rig.FanOut.HandleAsync(message, CancellationToken.None));

        Assert.False(_rig.Events[HookRig.CallId, "completed"]!.FannedOut);
    }

    private sealed class GatedQueues(int expected) : IHookQueues
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _started;

        public int Started => Volatile.Read(ref _started);

        public Task EnqueueEventAsync(CallEventMessage message, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task EnqueueDeliveryAsync(DeliveryMessage message, TimeSpan delay, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _started) == expected)
            {
                _all.SetResult();
            }

            return _all.Task;
        }

        public Task EnqueuePoisonAsync(DeliveryMessage message, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
