using System.Net;
using System.Text.Json;
using SynthflowConnector.Tests.Hooks.Api;
using SynthflowConnector.Tests.Hooks.Core;
using SynthflowConnector.Tests.Http;

namespace SynthflowConnector.Tests.Hooks.EndToEnd;

/// <summary>
/// Issue 11 end to end: what reaches subscribers is what Synthflow signed, once. Forged and unsigned webhooks are 401
/// and deliver nothing; a webhook Synthflow sends twice is delivered once.
/// </summary>
[Collection(HooksEndToEndCollection.Name)]
public sealed class WebhookTrustEndToEndTests
{
    [Fact]
    public async Task Forged_and_unsigned_webhooks_are_refused_with_401_and_deliver_nothing()
    {
        await using var rig = await EndToEndRig.StartAsync(fakeClock: true);
        await using var callback = await CallbackReceiver.StartAsync();
        await rig.SubscribeAsync(callback.Url("flows/one"));
        var forged = "call-" + Guid.NewGuid().ToString("N");
        var body = WebhookReceiverTests.Payload(forged);

        await HttpAssert.ProblemAsync(await rig.Host.Anonymous.SendAsync(WebhookReceiverTests.Webhook(body, signature: null)), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await rig.Host.Anonymous.SendAsync(WebhookReceiverTests.Webhook(body, string.Empty)), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await rig.Host.Anonymous.SendAsync(WebhookReceiverTests.Webhook(body, WebhookReceiverTests.Sign(forged, "a-guessed-secret"))), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await rig.Host.Anonymous.SendAsync(WebhookReceiverTests.Webhook(body, WebhookReceiverTests.Sign("another-call"))), HttpStatusCode.Unauthorized);

        // A signature for this call id cannot be reused on a body naming another call (only call_id is signed).
        var victim = "call-" + Guid.NewGuid().ToString("N");
        var replayed = WebhookReceiverTests.Payload(victim);
        await HttpAssert.ProblemAsync(await rig.Host.Anonymous.SendAsync(WebhookReceiverTests.Webhook(replayed, WebhookReceiverTests.Sign(forged))), HttpStatusCode.Unauthorized);

        // Then a genuine webhook: it alone is delivered (so the pipeline was live and the refused ones stored nothing).
        var genuine = "call-" + Guid.NewGuid().ToString("N");
        var receipt = await HttpAssert.OkAsync<JsonElement>(await rig.Host.Anonymous.SendAsync(WebhookReceiverTests.Webhook(WebhookReceiverTests.Payload(genuine), WebhookReceiverTests.Sign(genuine))));
        Assert.True(receipt.GetProperty("received").GetBoolean());
        await callback.WhenReceivedAsync(1, EndToEndRig.Patience);
        await rig.WhenIdleAsync();

        Assert.Equal(genuine, CallEndedEndToEndTests.Field(Assert.Single(callback.Received), "callId"));

        // The forged call id was never stored: signed correctly now, it is new, not a duplicate.
        var late = await HttpAssert.OkAsync<JsonElement>(await rig.Host.Anonymous.SendAsync(WebhookReceiverTests.Webhook(body, WebhookReceiverTests.Sign(forged))));
        Assert.False(late.TryGetProperty("duplicate", out var duplicate) && duplicate.ValueKind == JsonValueKind.True, late.GetRawText());
    }

    [Fact]
    public async Task A_webhook_Synthflow_sends_twice_is_delivered_once()
    {
        // Sandbox__DuplicateWebhooks: the Host's own simulator sends every post-call webhook twice.
        await using var rig = await EndToEndRig.StartAsync(fakeClock: true, new Dictionary<string, string?> { ["Sandbox:DuplicateWebhooks"] = "true" });
        await using var callback = await CallbackReceiver.StartAsync();
        await rig.SubscribeAsync(callback.Url("flows/one"));

        var callId = (await rig.MakeCallAsync("+14155550160")).GetProperty("callId").GetString()!;
        rig.EndCalls();
        await rig.Sandbox.Webhooks.WhenAttemptedAsync(2).WaitAsync(EndToEndRig.Patience);
        await callback.WhenReceivedAsync(1, EndToEndRig.Patience);
        await rig.WhenIdleAsync();

        // Both copies reached the receiver and were acknowledged (Synthflow must not see an error), one was delivered.
        var attempts = rig.Sandbox.Webhooks.Attempts;
        Assert.Equal(2, attempts.Count);
        Assert.All(attempts, a => Assert.Equal((callId, 200), (a.CallId, a.StatusCode)));
        Assert.Single(attempts, a => a.IsDuplicate);
        Assert.Equal(callId, CallEndedEndToEndTests.Field(Assert.Single(callback.Received), "callId"));
    }
}
