using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Hooks.Core;

public sealed class CallEndSweepTests : IDisposable
{
    private readonly RecordingSender _sender;
    private readonly HookRig _rig;

    public CallEndSweepTests()
    {
        _sender = new RecordingSender();
        _rig = new HookRig(sender: _sender);
    }

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task A_dropped_webhook_is_emitted_once_the_grace_has_passed_and_delivered_like_a_webhook()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/all"));
        var started = await PlaceAndEndAsync("call-1", "no-answer", durationSeconds: 20);
        _rig.Clock.SetUtcNow(started + TimeSpan.FromSeconds(20) + TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));

        var summary = await _rig.Sweep.RunAsync(CancellationToken.None);

        Assert.Equal(new CallEndSweepSummary(OpenCalls: 1, AgentsListed: 1, EventsEmitted: 1, FanOutsRequeued: 0, Closed: 0), summary);
        var message = Assert.Single(_rig.Queues.Events);
        Assert.NotNull(message.Claim);
        Assert.Null(message.OriginalBody);
        Assert.Equal("key-1", message.Event!.IdempotencyKey);
        Assert.Equal(HookRig.Agent, message.Event.ModelId);
        Assert.Equal(started.AddSeconds(20), message.Event.EndTime);
        Assert.Equal("+15550100", message.Event.FromPhoneNumber);
        Assert.Equal(_rig.Clock.GetUtcNow(), message.Event.ReceivedAt);
        var search = Assert.Single(_rig.Synthflow.Searches);
        Assert.Equal(HookRig.Agent, search.ModelId);
        Assert.Equal(started - TimeSpan.FromMinutes(1), search.From);

        await _rig.FanOut.HandleAsync(message, CancellationToken.None);
        var stored = _rig.Events["call-1", "no-answer"]!;
        Assert.Null(stored.OriginalBody);
        Assert.Equal("key-1", stored.Event.IdempotencyKey);
        Assert.True(stored.FannedOut);
        var post = Assert.Single(_sender.Posts);
        Assert.Equal(new Uri("https://flows.example/all"), post.Url);
        Assert.Contains("\"callId\":\"call-1\"", post.Body, StringComparison.Ordinal);
        Assert.True(_rig.PlacedCalls.IsClosed("call-1"));
    }

    [Fact]
    public async Task A_webhook_still_queued_when_the_grace_passes_and_the_sweeps_event_are_delivered_once()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/all"));
        var started = await PlaceAndEndAsync(HookRig.CallId, "completed", durationSeconds: 32);
        await _rig.AcceptDocumentedAsync();
        _rig.Clock.SetUtcNow(started + TimeSpan.FromMinutes(10));

        var summary = await _rig.Sweep.RunAsync(CancellationToken.None);

        Assert.Equal(1, summary.EventsEmitted); // nothing is stored until the fan-out: the sweep cannot tell the webhook came
        Assert.Equal(2, _rig.Queues.Events.Count);
        foreach (var message in _rig.Queues.Events.Reverse())
        {
            await _rig.FanOut.HandleAsync(message, CancellationToken.None);
        }

        Assert.Single(_sender.Posts);
        Assert.Null(Assert.Single(_rig.Events.All).OriginalBody); // the sweep's event was first; the webhook was dropped
        Assert.True(_rig.PlacedCalls.IsClosed(HookRig.CallId));
    }

    [Fact]
    public async Task Within_the_grace_the_sweep_waits_for_the_webhook()
    {
        var started = await PlaceAndEndAsync("call-1", "completed", durationSeconds: 30);
        _rig.Clock.SetUtcNow(started + TimeSpan.FromSeconds(30) + TimeSpan.FromMinutes(1));

        var summary = await _rig.Sweep.RunAsync(CancellationToken.None);

        Assert.Equal(0, summary.EventsEmitted);
        Assert.Empty(_rig.Events.All);
        Assert.Empty(_rig.Queues.Events);
        Assert.False(_rig.PlacedCalls.IsClosed("call-1"));
    }

    [Fact]
    public async Task A_call_still_in_progress_is_left_open()
    {
        var started = await PlaceAndEndAsync("call-1", "in-progress", durationSeconds: 0);
        _rig.Clock.SetUtcNow(started + TimeSpan.FromHours(1));

        var summary = await _rig.Sweep.RunAsync(CancellationToken.None);

        Assert.Equal(0, summary.EventsEmitted);
        Assert.False(_rig.PlacedCalls.IsClosed("call-1"));
    }

    [Fact]
    public async Task A_call_whose_stored_event_never_fanned_out_is_closed_and_its_fan_out_requeued_not_a_second_event()
    {
        var started = await PlaceAndEndAsync(HookRig.CallId, "completed", durationSeconds: 32);
        // Over 20 KiB: stored by the receiver and queued by reference; its fan-out never ran.
        var large = HookRig.DocumentedWebhook().Replace("bot: Hello ...", "bot: " + new string('x', 25_000), StringComparison.Ordinal);
        Assert.Equal(WebhookIntakeStatus.Accepted, (await _rig.ReceiveAsync(large)).Status);
        _rig.Clock.SetUtcNow(started + TimeSpan.FromMinutes(10));
        var queuedBefore = _rig.Queues.Events.Count;

        var summary = await _rig.Sweep.RunAsync(CancellationToken.None);

        Assert.Equal(0, summary.EventsEmitted);
        Assert.Equal(1, summary.Closed);
        Assert.True(_rig.PlacedCalls.IsClosed(HookRig.CallId));
        Assert.Single(_rig.Events.All);
        Assert.Equal(queuedBefore + 1, _rig.Queues.Events.Count);
        Assert.Null(_rig.Queues.Events.Last().Claim);
        Assert.Equal(1, summary.FanOutsRequeued);
    }

    [Fact]
    public async Task Calls_older_than_the_lookback_are_closed_without_listing()
    {
        await PlaceAndEndAsync("call-1", "pending", durationSeconds: 0);
        _rig.Clock.Advance(TimeSpan.FromHours(49));

        var summary = await _rig.Sweep.RunAsync(CancellationToken.None);

        Assert.Equal(new CallEndSweepSummary(1, 0, 0, 0, 1), summary);
        Assert.True(_rig.PlacedCalls.IsClosed("call-1"));
        Assert.Empty(_rig.Synthflow.Searches);
    }

    [Fact]
    public async Task A_listing_failure_skips_the_agent_until_the_next_run()
    {
        var started = await PlaceAndEndAsync("call-1", "completed", durationSeconds: 10);
        _rig.Clock.SetUtcNow(started + TimeSpan.FromMinutes(10));
        _rig.Synthflow.Fault = Tests.Calls.IdempotencyHarness.Transport("list-calls");

        var summary = await _rig.Sweep.RunAsync(CancellationToken.None);

        Assert.Equal(0, summary.AgentsListed);
        Assert.False(_rig.PlacedCalls.IsClosed("call-1"));
        Assert.Empty(_rig.Events.All);
    }

    [Fact]
    public async Task One_listing_per_agent_from_its_oldest_open_call()
    {
        var first = await PlaceAndEndAsync("call-1", "completed", durationSeconds: 10);
        _rig.Clock.Advance(TimeSpan.FromMinutes(5));
        await PlaceAndEndAsync("call-2", "busy", durationSeconds: 0);
        await PlaceAndEndAsync("call-3", "failed", durationSeconds: 0, agent: "agent-b");
        _rig.Clock.Advance(TimeSpan.FromMinutes(5));

        var summary = await _rig.Sweep.RunAsync(CancellationToken.None);

        Assert.Equal(3, summary.EventsEmitted);
        Assert.Equal(2, summary.AgentsListed);
        Assert.Equal(first - TimeSpan.FromMinutes(1), Assert.Single(_rig.Synthflow.Searches, s => s.ModelId == HookRig.Agent).From);
    }

    /// <summary>A call placed through make-a-call now, which Synthflow shows with <paramref name="status"/>.</summary>
    private async Task<DateTimeOffset> PlaceAndEndAsync(string callId, string status, int durationSeconds, string agent = HookRig.Agent)
    {
        var now = _rig.Clock.GetUtcNow();
        await _rig.PlacedCalls.AddAsync(
            new PlacedCall { CallId = callId, ModelId = agent, PlacedAt = now, IdempotencyKey = "key-1", ToPhoneNumber = "+1234334546", FromPhoneNumber = "+15550100" },
            CancellationToken.None);
        _rig.Synthflow.Calls[callId] = new SynthflowCall
        {
            CallId = callId, ModelId = agent, Status = status, StartTime = now, Duration = durationSeconds, PhoneNumberTo = "+1234334546",
        };
        return now;
    }
}
