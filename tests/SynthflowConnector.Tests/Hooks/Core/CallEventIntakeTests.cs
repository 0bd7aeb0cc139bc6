using System.Text;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Tests.Hooks.Core;

public sealed class CallEventIntakeTests : IDisposable
{
    private readonly HookRig _rig = new();

    public void Dispose() => _rig.Dispose();

    /// <summary>The documented webhook with a transcript long enough to go over <see cref="CallEventIntake.MaxQueuedBodyBytes"/>.</summary>
    private static string LargeWebhook() =>
        HookRig.DocumentedWebhook().Replace("bot: Hello ...", "bot: " + new string('x', CallEventIntake.MaxQueuedBodyBytes), StringComparison.Ordinal);

    [Fact]
    public async Task A_signed_final_webhook_is_queued_once_with_its_body_and_a_claim_and_nothing_is_stored_yet()
    {
        var body = HookRig.DocumentedWebhook();

        var result = await _rig.ReceiveAsync(body);

        Assert.Equal(new WebhookIntakeResult(WebhookIntakeStatus.Accepted, HookRig.CallId), result);
        Assert.Empty(_rig.Events.All);
        var message = Assert.Single(_rig.Queues.Events);
        Assert.Equal((HookRig.CallId, "completed"), (message.CallId, message.Status));
        Assert.Equal(body, message.OriginalBody);
        Assert.Equal(_rig.Clock.GetUtcNow(), message.ReceivedAt);
        Assert.Matches("^[0-9a-f]{32}$", message.Claim);
        Assert.Null(message.Event);
        Assert.DoesNotContain(_rig.Logs.Lines, line => line.Contains("bot: Hello", StringComparison.Ordinal) || line.Contains(HookRig.Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_webhook_again_is_queued_under_another_claim_for_the_fan_out_to_drop()
    {
        await _rig.ReceiveAsync(HookRig.DocumentedWebhook());

        var again = await _rig.ReceiveAsync(HookRig.DocumentedWebhook());

        Assert.Equal(WebhookIntakeStatus.Accepted, again.Status);
        Assert.Equal(2, _rig.Queues.Events.Select(message => message.Claim).Distinct().Count());
        Assert.Empty(_rig.Events.All);
    }

    [Fact]
    public async Task A_large_webhook_is_stored_first_and_queued_by_reference_and_a_repeat_is_a_duplicate()
    {
        var body = LargeWebhook();
        Assert.True(Encoding.UTF8.GetByteCount(body) > CallEventIntake.MaxQueuedBodyBytes);

        var first = await _rig.ReceiveAsync(body);
        var again = await _rig.ReceiveAsync(body);

        Assert.Equal(WebhookIntakeStatus.Accepted, first.Status);
        Assert.Equal(WebhookIntakeStatus.Duplicate, again.Status);
        var stored = Assert.Single(_rig.Events.All);
        Assert.Equal(body, stored.OriginalBody);
        Assert.False(stored.FannedOut);
        Assert.Equal(_rig.Clock.GetUtcNow(), stored.Event.ReceivedAt);
        Assert.Equal(new CallEventMessage(HookRig.CallId, "completed"), Assert.Single(_rig.Queues.Events));
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
    public async Task A_queue_fault_propagates_so_the_receiver_answers_503_and_nothing_is_stored()
    {
        _rig.Queues.Fault = new StoreUnavailableException("Queue storage is unreachable.", 503);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => _rig.ReceiveAsync(HookRig.DocumentedWebhook()));
        Assert.Empty(_rig.Events.All);
    }

    [Fact]
    public async Task The_table_is_not_on_the_acknowledgement_path_of_a_webhook_that_fits_the_queue()
    {
        _rig.Events.Fault = new StoreUnavailableException("Table storage is unreachable.", 503);

        Assert.Equal(WebhookIntakeStatus.Accepted, (await _rig.ReceiveAsync(HookRig.DocumentedWebhook())).Status);
        Assert.Single(_rig.Queues.Events);
    }

    [Fact]
    public async Task A_store_fault_on_a_large_webhook_propagates_and_nothing_is_queued()
    {
        _rig.Events.Fault = new StoreUnavailableException("Table storage is unreachable.", 503);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => _rig.ReceiveAsync(LargeWebhook()));
        Assert.Empty(_rig.Queues.Events);
    }

    [Fact]
    public async Task A_queue_fault_on_a_large_webhook_propagates_after_it_is_stored_for_the_sweep_to_requeue()
    {
        _rig.Queues.Fault = new StoreUnavailableException("Queue storage is unreachable.", 503);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => _rig.ReceiveAsync(LargeWebhook()));
        Assert.Single(_rig.Events.All);
    }
}
