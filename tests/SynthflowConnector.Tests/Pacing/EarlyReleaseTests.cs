using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Hooks;
using SynthflowConnector.Tests.Hooks.Core;

namespace SynthflowConnector.Tests.Pacing;

/// <summary>The receiver tells the pacer of an accepted end at once, so a concurrency slot is free before the fan-out runs.</summary>
public sealed class EarlyReleaseTests : IDisposable
{
    private readonly HookRig _hooks = new();

    public void Dispose() => _hooks.Dispose();

    [Fact]
    public async Task An_accepted_final_webhook_frees_the_calls_slot_before_any_fan_out()
    {
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = null, MaxConcurrentCalls = 2 });
        var pacer = rig.Pacer;
        var slot = await pacer.AcquireAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
        await pacer.BindAsync(slot, HookRig.CallId, CancellationToken.None);
        var early = new AccountPacerEarlyRelease(rig.Pacer, NullLogger<AccountPacerEarlyRelease>.Instance);

        var result = await Intake(early).AcceptAsync(Encoding.UTF8.GetBytes(HookRig.DocumentedWebhook()), WebhookSignature.Compute(HookRig.Secret, HookRig.CallId), CancellationToken.None);
        await early.Pending!;

        Assert.Equal(WebhookIntakeStatus.Accepted, result.Status);
        Assert.Empty(rig.Store.State.Live);
        Assert.DoesNotContain(_hooks.Events.All, e => e.FannedOut);
    }

    [Fact]
    public async Task Only_an_accepted_end_is_told_not_a_forgery_or_a_status_that_ends_nothing()
    {
        var told = new List<string>();
        var observer = new Recorder(told);
        var intake = Intake(observer);
        var signature = WebhookSignature.Compute(HookRig.Secret, HookRig.CallId);

        await intake.AcceptAsync(Encoding.UTF8.GetBytes(HookRig.DocumentedWebhook()), signature, CancellationToken.None);
        await intake.AcceptAsync(Encoding.UTF8.GetBytes(HookRig.DocumentedWebhook()), signature, CancellationToken.None);
        await intake.AcceptAsync(Encoding.UTF8.GetBytes(HookRig.DocumentedWebhook()), "bm90IHRoZSBzaWduYXR1cmU=", CancellationToken.None);
        await intake.AcceptAsync(Encoding.UTF8.GetBytes(HookRig.DocumentedWebhook("in-progress")), signature, CancellationToken.None);

        // A repeat is accepted (the fan-out drops it), so it is told again: freeing a freed slot changes nothing.
        Assert.Equal([HookRig.CallId, HookRig.CallId], told);
    }

    [Fact]
    public void Without_a_concurrency_limit_nothing_is_started()
    {
        var rig = new PacingRig(new PacingLimits { CallsPerSecond = 5, MaxConcurrentCalls = null });
        var early = new AccountPacerEarlyRelease(rig.Pacer, NullLogger<AccountPacerEarlyRelease>.Instance);

        early.OnCallEndAccepted("call-1");

        Assert.Null(early.Pending);
        Assert.Equal(0, rig.Store.Reads);
    }

    private CallEventIntake Intake(params ICallEndAcceptedObserver[] observers) =>
        new(_hooks.SecretSource, _hooks.Events, _hooks.Queues, _hooks.Clock, NullLogger<CallEventIntake>.Instance, observers);

    private sealed class Recorder(List<string> told) : ICallEndAcceptedObserver
    {
        public void OnCallEndAccepted(string callId) => told.Add(callId);
    }
}
