using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SynthflowConnector.Hooks;
using SynthflowConnector.Tests.Hooks.Core;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Sandbox;

namespace SynthflowConnector.Tests.Hooks.EndToEnd;

/// <summary>
/// Issue 11 end to end: nothing is lost. A failing callback is retried until it answers; a webhook Synthflow never
/// sent is made up by the sweep; a delivery cut short by a stopping process is made by the next one.
/// </summary>
[Collection(HooksEndToEndCollection.Name)]
public sealed class DeliveryResilienceEndToEndTests
{
    [Fact]
    public async Task A_callback_that_fails_twice_gets_the_event_on_the_third_try()
    {
        // The backoff is the retry message's invisibility in the queue, which Azurite measures on its own wall clock:
        // no fake clock reaches it end to end. So this Host runs on the system clock with the smallest backoff the
        // settings allow (1 s, then 2 s) instead of 15 s and 30 s; the backoff's arithmetic on a fake clock is
        // CallbackDeliveryTests' job. The call is ended by hand, so no call duration is waited for either.
        await using var rig = await EndToEndRig.StartAsync(fakeClock: false, new Dictionary<string, string?> { ["Hooks:RetryBaseDelay"] = "00:00:01" });
        await using var callback = await CallbackReceiver.StartAsync(500, 503);
        await rig.SubscribeAsync(callback.Url("flows/flaky"));

        var callId = (await rig.MakeCallAsync("+14155550170")).GetProperty("callId").GetString()!;
        rig.Sandbox.SetCallStatus(callId, "completed");
        await callback.WhenReceivedAsync(3, EndToEndRig.Patience);
        await rig.WhenIdleAsync();

        Assert.Equal(3, callback.Received.Count);
        Assert.All(callback.Received, r => Assert.Equal(callId, CallEndedEndToEndTests.Field(r, "callId")));
        Assert.Single(callback.Received.Select(r => r.Body).Distinct());
        Assert.Contains(rig.Host.Logs.Lines, l => l.Contains("failed on try 1 (HTTP 500): next try in 00:00:01", StringComparison.Ordinal));
        Assert.Contains(rig.Host.Logs.Lines, l => l.Contains("failed on try 2 (HTTP 503): next try in 00:00:02", StringComparison.Ordinal));
        Assert.Contains(rig.Host.Logs.Lines, l => l.Contains("on try 3: HTTP 200", StringComparison.Ordinal));
        var failures = await HttpAssert.OkAsync<JsonElement>(await rig.Host.Client.GetAsync(new Uri("/api/hooks/call-ended/failures", UriKind.Relative)));
        Assert.Equal(0, failures.GetProperty("failures").GetArrayLength());
    }

    [Fact]
    public async Task When_Synthflow_drops_the_webhook_the_sweep_delivers_the_event_after_the_grace_period()
    {
        // Sandbox__DropWebhooks: the Host's simulator never sends a webhook. The sweep's grace (2 min) passes on the fake clock.
        await using var rig = await EndToEndRig.StartAsync(fakeClock: true, new Dictionary<string, string?> { ["Sandbox:DropWebhooks"] = "true" });
        await using var callback = await CallbackReceiver.StartAsync();
        await rig.SubscribeAsync(callback.Url("flows/one"));
        var callId = (await rig.MakeCallAsync("+14155550180", "Linus", idempotencyKey: "run-sweep-1")).GetProperty("callId").GetString()!;
        rig.EndCalls();
        Assert.True(Assert.Single(rig.Sandbox.Webhooks.Attempts).Dropped);

        // Within the grace period the sweep waits for the webhook.
        Assert.Equal(0, (await SweepAsync(rig)).EventsEmitted);

        rig.Clock!.Advance(TimeSpan.FromMinutes(2) + TimeSpan.FromSeconds(1));
        var swept = await SweepAsync(rig);
        Assert.Equal((1, 1, 1), (swept.OpenCalls, swept.AgentsListed, swept.EventsEmitted));
        await callback.WhenReceivedAsync(1, EndToEndRig.Patience);
        await rig.WhenIdleAsync();

        var e = JsonDocument.Parse(Assert.Single(callback.Received).Body).RootElement;
        Assert.Equal(callId, e.GetProperty("callId").GetString());
        Assert.Equal("completed", e.GetProperty("status").GetString());
        Assert.Equal("Linus", e.GetProperty("leadName").GetString());
        Assert.Equal("+14155550180", e.GetProperty("toPhoneNumber").GetString());
        Assert.Equal("run-sweep-1", e.GetProperty("idempotencyKey").GetString());
        Assert.Equal($"https://recordings.synthflow-sandbox.invalid/{callId}.mp3", e.GetProperty("recordingUrl").GetString());
        Assert.Equal(rig.Clock.GetUtcNow(), e.GetProperty("receivedAt").GetDateTimeOffset());

        // The call is closed: the next sweep has nothing to look for and emits nothing again.
        var again = await SweepAsync(rig);
        Assert.Equal((0, 0), (again.OpenCalls, again.EventsEmitted));
        await rig.WhenIdleAsync();
        Assert.Single(callback.Received);
    }

    [Fact]
    public async Task A_delivery_cut_short_by_a_stopping_Host_is_made_by_the_next_Host()
    {
        // The message comes back once its visibility timeout (set when the first Host received it) runs out on Azurite's
        // wall clock; 6 s instead of the 2 min default keeps the test short and still leaves the first Host time to stop
        // before the message reappears. Both Hosts run on the system clock: no fake clock reaches Azurite.
        var visibility = TimeSpan.FromSeconds(6);
        await using var rig = await EndToEndRig.StartAsync(fakeClock: false, configureServices: services => services.Configure<HookQueueProcessorOptions>(o => o.VisibilityTimeout = visibility));
        await using var callback = await WebhookReceiver.StartAsync();
        await rig.SubscribeAsync(new Uri(callback.Url));

        var callId = (await rig.MakeCallAsync("+14155550190")).GetProperty("callId").GetString()!;
        callback.Hold();
        rig.Sandbox.SetCallStatus(callId, "completed");
        await callback.WhenReceivedAsync(1);

        // The first Host stops while the callback still holds its POST (the first try, made by the fan-out): the fan-out
        // is not finished, so its call-events message stays, and the next Host handles it again under the same claim.
        await rig.StopHostAsync();
        var triedBeforeRestart = callback.Received.Count;
        callback.Release();
        Assert.Equal(1, await rig.CountAsync(IHookQueues.EventsQueue));

        await using var restarted = await rig.StartAnotherHostAsync();
        await callback.WhenReceivedAsync(triedBeforeRestart + 1);
        await rig.WhenIdleAsync();

        // Exactly one more POST, by the second Host, and it was answered (the queue is empty: it was settled).
        Assert.Equal(triedBeforeRestart + 1, callback.Received.Count);
        var delivered = JsonDocument.Parse(callback.Received[^1].Body).RootElement;
        Assert.Equal(callId, delivered.GetProperty("callId").GetString());
        Assert.Equal("completed", delivered.GetProperty("status").GetString());
        Assert.Contains(restarted.Logs.Lines, l => l.Contains($"Delivered call {callId} (completed)", StringComparison.Ordinal));
    }

    private static async Task<CallEndSweepSummary> SweepAsync(EndToEndRig rig)
    {
        await using var scope = rig.Host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<CallEndSweep>().RunAsync(CancellationToken.None);
    }
}
