using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SynthflowConnector.Hooks;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Tests.Hooks.Core;
using SynthflowConnector.Tests.Sandbox;

namespace SynthflowConnector.Tests.Hooks.EndToEnd;

/// <summary>
/// Issue 11 end to end, the happy paths: a flow subscribes with a local callback (Kestrel on loopback; http is allowed
/// in sandbox mode), calls are placed through the Host's <c>POST /api/calls</c>, the sandbox ends them on the fake clock
/// and POSTs its signed webhooks to the Host, which fans them out to the callbacks over real sockets.
/// </summary>
[Collection(HooksEndToEndCollection.Name)]
public sealed class CallEndedEndToEndTests
{
    /// <summary>Every field of the event, by name: the delivery carries exactly these, nulls included.</summary>
    private static readonly string[] EventFields =
    [
        "callId", "modelId", "status", "endCallReason", "customEndCallReason", "duration", "startTime", "endTime", "toPhoneNumber",
        "leadName", "fromPhoneNumber", "transcript", "recordingUrl", "analysis", "collectedVariables", "extractedValues",
        "idempotencyKey", "receivedAt", "raw",
    ];

    [Fact]
    public async Task A_completed_call_reaches_the_subscriber_exactly_once_with_every_field_of_the_event()
    {
        await using var rig = await EndToEndRig.StartAsync(fakeClock: true);
        await using var callback = await CallbackReceiver.StartAsync();
        await rig.SubscribeAsync(callback.Url("flows/one?sig=flow-signature"));

        var placed = await rig.MakeCallAsync("+14155550120", "Ada", idempotencyKey: "run-08584-0001");
        var callId = placed.GetProperty("callId").GetString()!;
        var startedAt = rig.Clock!.GetUtcNow();
        rig.EndCalls();
        var receivedAt = rig.Clock.GetUtcNow();
        await callback.WhenReceivedAsync(1, EndToEndRig.Patience);
        await rig.WhenIdleAsync();

        var delivery = Assert.Single(callback.Received);
        Assert.Equal("/flows/one?sig=flow-signature", delivery.PathAndQuery);
        Assert.StartsWith("application/json", delivery.ContentType, StringComparison.Ordinal);
        var call = Assert.Single(rig.Sandbox.Calls);
        var e = JsonDocument.Parse(delivery.Body).RootElement;
        Assert.Equal(EventFields.Order(StringComparer.Ordinal), e.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(callId, e.GetProperty("callId").GetString());
        Assert.Equal(EndToEndRig.SalesEast, e.GetProperty("modelId").GetString());
        Assert.Equal("completed", e.GetProperty("status").GetString());
        Assert.Equal("agent_ended_call", e.GetProperty("endCallReason").GetString());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("customEndCallReason").ValueKind);
        Assert.Equal(3, e.GetProperty("duration").GetInt32());

        // Synthflow writes start_time with microseconds: the event keeps what it was told.
        var startTime = e.GetProperty("startTime").GetDateTimeOffset();
        Assert.InRange((startTime - startedAt).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        Assert.Equal(startTime.AddSeconds(3), e.GetProperty("endTime").GetDateTimeOffset());
        Assert.Equal("+14155550120", e.GetProperty("toPhoneNumber").GetString());
        Assert.Equal("Ada", e.GetProperty("leadName").GetString());
        Assert.Equal(call.PhoneNumberFrom, e.GetProperty("fromPhoneNumber").GetString());
        Assert.False(string.IsNullOrEmpty(call.PhoneNumberFrom)); // Synthflow chose it (no caller ID was asked for): filled from GET /v2/calls/{id}
        Assert.Equal(call.Transcript, e.GetProperty("transcript").GetString());
        Assert.Contains("Hello Ada", e.GetProperty("transcript").GetString(), StringComparison.Ordinal);
        Assert.Equal($"https://recordings.synthflow-sandbox.invalid/{callId}.mp3", e.GetProperty("recordingUrl").GetString());
        var analysis = e.GetProperty("analysis");
        Assert.All(SandboxOutcomes.AnalysisFields, field => Assert.True(analysis.GetProperty(field).GetBoolean(), field));
        Assert.Equal("Demo booked.", analysis.GetProperty("goal_feedback").GetString());
        var collected = """{"interested":"yes","preferred_day":"Thursday","appointment_time":"15:00"}""";
        AssertJson(collected, e.GetProperty("collectedVariables"));
        AssertJson($$"""{"extract_info_1":{{collected}}}""", e.GetProperty("extractedValues"));
        Assert.Equal("run-08584-0001", e.GetProperty("idempotencyKey").GetString());
        Assert.Equal(receivedAt, e.GetProperty("receivedAt").GetDateTimeOffset());

        // Upstream fields the schema does not name are kept as sent.
        var raw = e.GetProperty("raw");
        Assert.Equal("UTC", raw.GetProperty("call").GetProperty("timezone").GetString());
        Assert.Equal(JsonValueKind.Null, raw.GetProperty("call").GetProperty("diversion").ValueKind);

        // The call's own record agrees, and the call was closed (the sweep will not look for it again).
        Assert.Equal("completed", call.Status);
        Assert.Empty(await rig.Host.Services.GetRequiredService<IPlacedCallStore>().ListOpenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_custom_end_call_reason_is_delivered_when_the_custom_condition_fired()
    {
        await using var rig = await EndToEndRig.StartAsync(fakeClock: true);
        await using var callback = await CallbackReceiver.StartAsync();
        await rig.SubscribeAsync(callback.Url("flows/one"));

        await rig.MakeCallAsync("+14155550122"); // digit 2: custom_end_call, callback_requested
        rig.EndCalls();
        await callback.WhenReceivedAsync(1, EndToEndRig.Patience);

        var e = JsonDocument.Parse(Assert.Single(callback.Received).Body).RootElement;
        Assert.Equal("custom_end_call", e.GetProperty("endCallReason").GetString());
        Assert.Equal("callback_requested", e.GetProperty("customEndCallReason").GetString());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("idempotencyKey").ValueKind);
    }

    [Fact]
    public async Task Filters_by_agent_and_status_pick_the_calls_each_subscription_asked_for()
    {
        await using var rig = await EndToEndRig.StartAsync(fakeClock: true);
        await using var callback = await CallbackReceiver.StartAsync();
        await rig.SubscribeAsync(callback.Url("flows/sales-east"), modelId: EndToEndRig.SalesEast);
        await rig.SubscribeAsync(callback.Url("flows/busy"), statuses: ["busy"]);
        await rig.SubscribeAsync(callback.Url("flows/sales-west"), modelId: EndToEndRig.SalesWest);
        await rig.SubscribeAsync(callback.Url("flows/west-no-answer"), modelId: EndToEndRig.SalesWest, statuses: ["no-answer"]);

        var completed = (await rig.MakeCallAsync("+14155550130")).GetProperty("callId").GetString()!;
        var busy = (await rig.MakeCallAsync("+14155550135")).GetProperty("callId").GetString()!; // digit 5: busy
        rig.EndCalls();

        // Sales East gets both, the busy-only flow the busy call; neither Sales West flow gets anything.
        await callback.WhenReceivedAsync(3, EndToEndRig.Patience);
        await rig.WhenIdleAsync();
        var byFlow = callback.Received
            .GroupBy(r => r.PathAndQuery)
            .ToDictionary(g => g.Key, g => g.Select(r => (CallId: Field(r, "callId"), Status: Field(r, "status"))).Order().ToArray());
        Assert.Equal(["/flows/busy", "/flows/sales-east"], byFlow.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { (completed, "completed"), (busy, "busy") }.Order(), byFlow["/flows/sales-east"]);
        Assert.Equal([(busy, "busy")], byFlow["/flows/busy"]);
    }

    [Fact]
    public async Task After_unsubscribing_a_flow_gets_no_more_deliveries_while_the_others_still_do()
    {
        await using var rig = await EndToEndRig.StartAsync(fakeClock: true);
        await using var callback = await CallbackReceiver.StartAsync();
        await rig.SubscribeAsync(callback.Url("flows/stays"));
        var leaving = await rig.SubscribeAsync(callback.Url("flows/leaves"));

        var first = (await rig.MakeCallAsync("+14155550140")).GetProperty("callId").GetString()!;
        rig.EndCalls();
        await callback.WhenReceivedAsync(2, EndToEndRig.Patience);
        await rig.WhenIdleAsync();

        await rig.UnsubscribeAsync(leaving);
        var second = (await rig.MakeCallAsync("+14155550141")).GetProperty("callId").GetString()!;
        rig.EndCalls();
        await callback.WhenReceivedAsync(3, EndToEndRig.Patience);
        await rig.WhenIdleAsync();

        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), Deliveries(callback, "/flows/stays"));
        Assert.Equal([first], Deliveries(callback, "/flows/leaves"));
    }

    [Fact]
    public async Task A_call_made_with_its_own_webhookUrl_forwards_Synthflows_signed_original_and_subscribers_still_get_the_event()
    {
        await using var rig = await EndToEndRig.StartAsync(fakeClock: true);
        await using var callback = await CallbackReceiver.StartAsync();
        await using var ownWebhook = await WebhookReceiver.StartAsync();
        await rig.SubscribeAsync(callback.Url("flows/one"));

        var placed = await rig.MakeCallAsync("+14155550150", "Grace", webhookUrl: new Uri(ownWebhook.Url));
        var callId = placed.GetProperty("callId").GetString()!;
        rig.EndCalls();
        await ownWebhook.WhenReceivedAsync(1);
        await callback.WhenReceivedAsync(1, EndToEndRig.Patience);
        await rig.WhenIdleAsync();

        // Synthflow still sent its webhook to the connector, not to the caller's URL.
        var sent = Assert.Single(rig.Sandbox.Webhooks.Attempts);
        Assert.EndsWith("/api/webhooks/synthflow", sent.Url, StringComparison.Ordinal);
        Assert.Equal(200, sent.StatusCode);

        // The forward is Synthflow's body byte for byte, with the signature Synthflow would have sent.
        var forwarded = Assert.Single(ownWebhook.Received);
        var stored = await rig.Host.Services.GetRequiredService<ICallEventStore>().GetAsync(callId, "completed", CancellationToken.None);
        Assert.Equal(stored!.OriginalBody, Encoding.UTF8.GetString(forwarded.Body));
        Assert.Equal(SandboxWebhooks.Sign(EndToEndRig.Secret, callId), forwarded.Signature);
        Assert.StartsWith("application/json", forwarded.ContentType, StringComparison.Ordinal);
        var original = JsonDocument.Parse(forwarded.Body).RootElement;
        Assert.Equal(callId, original.GetProperty("call").GetProperty("call_id").GetString());
        Assert.Equal("Grace", original.GetProperty("lead").GetProperty("name").GetString());

        var e = JsonDocument.Parse(Assert.Single(callback.Received).Body).RootElement;
        Assert.Equal(callId, e.GetProperty("callId").GetString());
        Assert.Equal("Grace", e.GetProperty("leadName").GetString());
    }

    internal static string Field(ReceivedCallback delivery, string name) =>
        JsonDocument.Parse(delivery.Body).RootElement.GetProperty(name).GetString()!;

    private static string[] Deliveries(CallbackReceiver callback, string path) =>
        [.. callback.Received.Where(r => r.PathAndQuery == path).Select(r => Field(r, "callId")).Order(StringComparer.Ordinal)];

    private static void AssertJson(string expected, JsonElement actual) =>
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(expected).RootElement, actual), actual.GetRawText());
}
