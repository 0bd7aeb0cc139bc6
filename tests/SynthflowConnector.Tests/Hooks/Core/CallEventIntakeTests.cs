using System.Text;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Tests.Hooks.Core;

public sealed class CallEventIntakeTests : IDisposable
{
    private readonly HookRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task A_signed_final_webhook_is_stored_once_with_its_body_and_queued_for_fan_out()
    {
        var body = HookRig.DocumentedWebhook();

        var result = await _rig.ReceiveAsync(body);

        Assert.Equal(new WebhookIntakeResult(WebhookIntakeStatus.Accepted, HookRig.CallId), result);
        var stored = Assert.Single(_rig.Events.All);
        Assert.Equal(body, stored.OriginalBody);
        Assert.False(stored.FannedOut);
        Assert.Equal(_rig.Clock.GetUtcNow(), stored.Event.ReceivedAt);
        Assert.Equal(new CallEventMessage(HookRig.CallId, "completed"), Assert.Single(_rig.Queues.Events));
        Assert.DoesNotContain(_rig.Logs.Lines, line => line.Contains("bot: Hello", StringComparison.Ordinal) || line.Contains(HookRig.Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_call_and_status_again_is_a_duplicate_and_not_queued_twice()
    {
        await _rig.ReceiveAsync(HookRig.DocumentedWebhook());

        var again = await _rig.ReceiveAsync(HookRig.DocumentedWebhook());

        Assert.Equal(WebhookIntakeStatus.Duplicate, again.Status);
        Assert.Single(_rig.Events.All);
        Assert.Single(_rig.Queues.Events);
    }

    [Fact]
    public async Task Another_final_status_of_the_same_call_is_a_new_event()
    {
        await _rig.ReceiveAsync(HookRig.DocumentedWebhook("completed"));

        var other = await _rig.ReceiveAsync(HookRig.DocumentedWebhook("left_voicemail"));

        Assert.Equal(WebhookIntakeStatus.Accepted, other.Status);
        Assert.Equal(2, _rig.Queues.Events.Count);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("gp+N/4L3bROOJIIHDYt+zTyCCv+Uv7wE7CXAhg1Siq8=")]
    [InlineData("bm90IHRoZSBzaWduYXR1cmU=")]
    public async Task Unsigned_or_forged_webhooks_are_unauthorized_and_leave_nothing(string? signature)
    {
        var result = await _rig.Intake.AcceptAsync(Encoding.UTF8.GetBytes(HookRig.DocumentedWebhook()), signature, CancellationToken.None);

        Assert.Equal(WebhookIntakeStatus.Unauthorized, result.Status);
        Assert.Empty(_rig.Events.All);
        Assert.Empty(_rig.Queues.Events);
    }

    [Fact]
    public async Task A_signature_for_another_call_is_unauthorized()
    {
        var result = await _rig.Intake.AcceptAsync(
            Encoding.UTF8.GetBytes(HookRig.DocumentedWebhook()), WebhookSignature.Compute(HookRig.Secret, "another-call"), CancellationToken.None);

        Assert.Equal(WebhookIntakeStatus.Unauthorized, result.Status);
        Assert.Empty(_rig.Events.All);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task Without_a_secret_webhooks_are_not_configured_and_nothing_is_stored(string? secret)
    {
        using var rig = new HookRig(secret);

        var result = await rig.ReceiveAsync(HookRig.DocumentedWebhook());

        Assert.Equal(WebhookIntakeStatus.NotConfigured, result.Status);
        Assert.Empty(rig.Events.All);
    }

    [Fact]
    public async Task A_signed_webhook_with_a_field_of_the_wrong_type_is_invalid_naming_the_field()
    {
        var body = HookRig.DocumentedWebhook().Replace("\"duration\": 32", "\"duration\": {\"s\": 32}", StringComparison.Ordinal);

        var result = await _rig.ReceiveAsync(body);

        Assert.Equal(WebhookIntakeStatus.Invalid, result.Status);
        Assert.Equal("call.duration", result.Field);
        Assert.Equal(HookRig.CallId, result.CallId);
        Assert.Empty(_rig.Events.All);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_invalid()
    {
        var result = await _rig.Intake.AcceptAsync("{not json"u8.ToArray(), WebhookSignature.Compute(HookRig.Secret, HookRig.CallId), CancellationToken.None);

        Assert.Equal(WebhookIntakeStatus.Invalid, result.Status);
        Assert.Empty(_rig.Events.All);
    }

    [Theory]
    [InlineData("pending")]
    [InlineData("ringing")]
    [InlineData("in-progress")]
    [InlineData("paused")]
    [InlineData("registered")]
    public async Task A_status_that_does_not_end_the_call_is_ignored(string status)
    {
        var result = await _rig.ReceiveAsync(HookRig.DocumentedWebhook(status));

        Assert.Equal(WebhookIntakeStatus.Ignored, result.Status);
        Assert.Empty(_rig.Events.All);
        Assert.Empty(_rig.Queues.Events);
    }

    [Fact]
    public async Task A_store_fault_propagates_so_the_receiver_answers_503()
    {
        _rig.Events.Fault = new StoreUnavailableException("Table storage is unreachable.", 503);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => _rig.ReceiveAsync(HookRig.DocumentedWebhook()));
        Assert.Empty(_rig.Queues.Events);
    }

    [Fact]
    public async Task A_queue_fault_propagates_after_the_event_is_stored_for_the_sweep_to_requeue()
    {
        _rig.Queues.Fault = new StoreUnavailableException("Queue storage is unreachable.", 503);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => _rig.ReceiveAsync(HookRig.DocumentedWebhook()));
        Assert.Single(_rig.Events.All);
    }
}
