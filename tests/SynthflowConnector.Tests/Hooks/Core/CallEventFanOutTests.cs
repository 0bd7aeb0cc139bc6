using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Hooks.Core;

public sealed class CallEventFanOutTests : IDisposable
{
    private readonly RecordingSender _sender = new();
    private readonly HookRig _rig;

    public CallEventFanOutTests() => _rig = new HookRig(sender: _sender);

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task One_first_try_per_matching_subscription_by_agent_and_status()
    {
        var everything = await _rig.SubscribeAsync(new Uri("https://flows.example/all"));
        var thisAgent = await _rig.SubscribeAsync(new Uri("https://flows.example/agent"), HookRig.Agent);
        var otherAgent = await _rig.SubscribeAsync(new Uri("https://flows.example/other"), "other-agent");
        var completedOnly = await _rig.SubscribeAsync(new Uri("https://flows.example/done"), null, "Completed");
        var busyOnly = await _rig.SubscribeAsync(new Uri("https://flows.example/busy"), HookRig.Agent, "busy", "no-answer");
        await _rig.AcceptDocumentedAsync();
        _rig.Synthflow.Calls[HookRig.CallId] = new SynthflowCall { CallId = HookRig.CallId, RecordingUrl = "https://rec.example/1.mp3" };

        await _rig.FanOut.HandleAsync(Assert.Single(_rig.Queues.Events), CancellationToken.None);

        Assert.Equal(
            new[] { everything.CallbackUrl, thisAgent.CallbackUrl, completedOnly.CallbackUrl }.Select(u => u.AbsoluteUri).Order(),
            _sender.Posts.Select(post => post.Url.AbsoluteUri).Order());
        Assert.DoesNotContain(_sender.Posts, post => post.Url == otherAgent.CallbackUrl || post.Url == busyOnly.CallbackUrl);
        Assert.All(_sender.Posts, post => Assert.Contains("\"recordingUrl\":\"https://rec.example/1.mp3\"", post.Body, StringComparison.Ordinal));
        Assert.Empty(_rig.Queues.Deliveries);
        var stored = _rig.Events[HookRig.CallId, "completed"]!;
        Assert.True(stored.FannedOut);
        Assert.Equal(Assert.Single(_rig.Queues.Events).Claim, stored.Claim);
        Assert.Equal("https://rec.example/1.mp3", stored.Event.RecordingUrl);
        Assert.Contains("\"external_id\": \"test_external_id\"", stored.OriginalBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_placed_call_enriches_the_event_forwards_the_webhook_and_is_closed()
    {
        var all = await _rig.SubscribeAsync(new Uri("https://flows.example/all"));
        await _rig.PlacedCalls.AddAsync(new PlacedCall
        {
            CallId = HookRig.CallId, ModelId = HookRig.Agent, PlacedAt = _rig.Clock.GetUtcNow(), IdempotencyKey = "key-7",
            ForwardUrl = new Uri("https://crm.example/hook?token=abc"), ToPhoneNumber = "+1234334546", FromPhoneNumber = "+15550100",
        }, CancellationToken.None);
        _rig.Synthflow.Calls[HookRig.CallId] = new SynthflowCall { CallId = HookRig.CallId, RecordingUrl = "https://rec.example/1.mp3" };
        await _rig.AcceptDocumentedAsync();

        await _rig.FanOut.HandleAsync(Assert.Single(_rig.Queues.Events), CancellationToken.None);

        var forward = Assert.Single(_sender.Posts, post => post.Url == new Uri("https://crm.example/hook?token=abc"));
        Assert.Equal(HookRig.DocumentedWebhook(), forward.Body);
        Assert.Equal(WebhookSignature.Compute(HookRig.Secret, HookRig.CallId), forward.Headers![CallEventIntake.SignatureHeader]);
        Assert.Single(_sender.To(all.CallbackUrl));
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

        Assert.Single(_sender.Posts);
        Assert.Null(_rig.Events[HookRig.CallId, "completed"]!.Event.RecordingUrl);
        Assert.True(_rig.Events[HookRig.CallId, "completed"]!.FannedOut);
    }

    [Fact]
    public async Task A_duplicate_webhook_is_dropped_by_the_fan_out_and_the_same_message_again_delivers_again()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/all"));
        await _rig.AcceptDocumentedAsync();
        await _rig.AcceptDocumentedAsync();
        var (first, duplicate) = (_rig.Queues.Events.First(), _rig.Queues.Events.Last());
        Assert.NotEqual(first.Claim, duplicate.Claim);

        await _rig.FanOut.HandleAsync(first, CancellationToken.None);
        await _rig.FanOut.HandleAsync(duplicate, CancellationToken.None);
        Assert.Single(_sender.Posts);
        Assert.Contains(_rig.Logs.Lines, line => line.Contains("duplicate webhook", StringComparison.Ordinal));

        // The queue only hands a message out again when it was not settled (a crash): at least once, so it delivers.
        await _rig.FanOut.HandleAsync(first, CancellationToken.None);
        Assert.Equal(2, _sender.Posts.Count);
    }

    [Fact]
    public async Task The_first_tries_are_made_at_once_not_one_after_another()
    {
        for (var i = 0; i < 3; i++)
        {
            await _rig.SubscribeAsync(new Uri($"https://flows.example/{i}"));
        }

        await _rig.AcceptDocumentedAsync();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _sender.Gate = () =>
        {
            if (_sender.Posts.Count == 3)
            {
                all.TrySetResult();
            }

            return all.Task;
        };

        // Each POST waits until all three have started: made one after another, this would never finish.
        await _rig.FanOut.HandleAsync(Assert.Single(_rig.Queues.Events), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, _sender.Posts.Count);
    }

    [Fact]
    public async Task A_refused_first_try_queues_its_retry_and_the_others_are_delivered()
    {
        var failing = await _rig.SubscribeAsync(new Uri("https://flows.example/failing"));
        var fine = await _rig.SubscribeAsync(new Uri("https://flows.example/fine"));
        _sender.Answer = url => url == failing.CallbackUrl ? 503 : 200;
        await _rig.AcceptDocumentedAsync();

        await _rig.FanOut.HandleAsync(Assert.Single(_rig.Queues.Events), CancellationToken.None);

        Assert.Single(_sender.To(fine.CallbackUrl));
        var (retry, delay) = Assert.Single(_rig.Queues.Deliveries);
        Assert.Equal(failing.Id, retry.SubscriptionId);
        Assert.Equal(2, retry.Attempt);
        Assert.Equal(_rig.Settings.RetryBaseDelay, delay);
        Assert.Equal(_rig.Clock.GetUtcNow(), retry.FirstQueuedAt);
        Assert.Equal(HookRig.CallId, retry.Event!.CallId);
    }

    [Fact]
    public async Task A_retry_that_cannot_be_queued_throws_so_the_message_comes_back_and_tries_again()
    {
        var failing = await _rig.SubscribeAsync(new Uri("https://flows.example/failing"));
        _sender.Answer = _ => 503;
        await _rig.AcceptDocumentedAsync();
        var message = Assert.Single(_rig.Queues.Events);
        _rig.Queues.Fault = new StoreUnavailableException("Queue storage is unreachable.", 503);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => _rig.FanOut.HandleAsync(message, CancellationToken.None));

        _rig.Queues.Fault = null;
        await _rig.FanOut.HandleAsync(message, CancellationToken.None);
        Assert.Equal(2, _sender.To(failing.CallbackUrl).Count);
        Assert.Single(_rig.Queues.Deliveries);
    }

    [Fact]
    public async Task A_message_by_reference_reads_the_stored_event_and_marks_it_fanned_out()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/all"));
        var callEnded = await _rig.AcceptDocumentedAsync();
        Assert.True(await _rig.Events.TryAddAsync(new StoredCallEvent { Event = callEnded, OriginalBody = HookRig.DocumentedWebhook() }, CancellationToken.None));
        var byReference = new CallEventMessage(HookRig.CallId, "completed");

        await _rig.FanOut.HandleAsync(byReference, CancellationToken.None);
        await _rig.FanOut.HandleAsync(byReference, CancellationToken.None);

        Assert.Single(_sender.Posts);
        Assert.True(_rig.Events[HookRig.CallId, "completed"]!.FannedOut);
        Assert.Null(_rig.Events[HookRig.CallId, "completed"]!.Claim);
    }

    [Fact]
    public async Task A_message_whose_body_is_not_a_webhook_is_unreadable()
    {
        var message = new CallEventMessage(HookRig.CallId, "completed") { Claim = CallEventMessage.NewClaim(), ReceivedAt = _rig.Clock.GetUtcNow(), OriginalBody = "{}" };

        await Assert.ThrowsAsync<System.Text.Json.JsonException>(() => _rig.FanOut.HandleAsync(message, CancellationToken.None));
        Assert.Empty(_rig.Events.All);
    }
}
