using System.Diagnostics;
using System.Text.Json;
using SynthflowConnector.Tests.Hooks.Api;
using SynthflowConnector.Tests.Hooks.Core;
using SynthflowConnector.Tests.Http;
using Xunit.Abstractions;

namespace SynthflowConnector.Tests.Hooks.EndToEnd;

/// <summary>Issue 11 end to end, at volume: 1,000 signed webhooks to 3 subscriptions are 3,000 deliveries, none twice.</summary>
[Collection(HooksEndToEndCollection.Name)]
public sealed class FanOutVolumeEndToEndTests(ITestOutputHelper output)
{
    private const int Events = 1000;
    private const int SenderConcurrency = 16;

    /// <summary>A guard against a hang, not the target: on a quiet 2-core machine the whole test takes well under a minute.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_thousand_webhooks_to_three_subscriptions_are_three_thousand_deliveries_none_twice()
    {
        // No call is placed (the webhooks are posted straight to the receiver) and nothing depends on time: the
        // system clock, so the queue processors also poll on their own schedule. Five information lines per event
        // would only measure the console: warnings and errors only.
        await using var rig = await EndToEndRig.StartAsync(fakeClock: false, new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Warning" });
        await using var callback = await CallbackReceiver.StartAsync();
        string[] flows = ["/flows/a", "/flows/b", "/flows/c"];
        foreach (var flow in flows)
        {
            await rig.SubscribeAsync(callback.Url(flow.TrimStart('/')));
        }

        var callIds = Enumerable.Range(0, Events).Select(i => $"call-{i:D4}-{Guid.NewGuid():N}").ToArray();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(callIds, new ParallelOptions { MaxDegreeOfParallelism = SenderConcurrency }, async (callId, ct) =>
        {
            using var response = await rig.Host.Anonymous.SendAsync(WebhookReceiverTests.Webhook(Payload(callId), WebhookReceiverTests.Sign(callId, EndToEndRig.Secret)), ct);
            var receipt = await HttpAssert.OkAsync<JsonElement>(response);
            Assert.True(receipt.GetProperty("received").GetBoolean());
        });
        var accepted = clock.Elapsed;
        await callback.WhenReceivedAsync(Events * flows.Length, Guard);
        var delivered = clock.Elapsed;
        await rig.WhenIdleAsync();
        output.WriteLine($"{Events} webhooks accepted in {accepted.TotalSeconds:0.0} s; {Events * flows.Length} deliveries done after {delivered.TotalSeconds:0.0} s; idle after {clock.Elapsed.TotalSeconds:0.0} s.");

        var deliveries = callback.Received.Select(r => (r.PathAndQuery, CallId: CallEndedEndToEndTests.Field(r, "callId"))).ToList();
        Assert.Equal(Events * flows.Length, deliveries.Count);
        Assert.Equal(Events * flows.Length, deliveries.Distinct().Count());
        Assert.All(flows, flow => Assert.Equal(callIds.Order(StringComparer.Ordinal), deliveries.Where(d => d.PathAndQuery == flow).Select(d => d.CallId).Order(StringComparer.Ordinal)));
    }

    /// <summary>
    /// Synthflow's payload with the recording URL and caller ID in it, so the fan-out has nothing to look up (these
    /// calls do not exist at the simulator; looking them up would only add 1,000 404s).
    /// </summary>
    private static string Payload(string callId) =>
        WebhookReceiverTests.Payload(callId).Replace(
            "\"call\":{",
            $"\"call\":{{\"recording_url\":\"https://recordings.example.com/{callId}.mp3\",\"phone_number_from\":\"+12125550101\",",
            StringComparison.Ordinal);
}
