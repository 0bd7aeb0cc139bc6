using System.Text.Json;
using SynthflowConnector.Calls;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Tests.Synthflow.SynthflowClientTests;

namespace SynthflowConnector.Tests.Http;

/// <summary>The get-call action's answer through the real Host (sandbox): every documented field, null when unknown.</summary>
[Collection("Azurite")]
public sealed class GetCallTests(AzuriteFixture azurite)
{
    /// <summary>README's fields of <c>GET /api/calls/{callId}</c>, in its order.</summary>
    private static readonly string[] DocumentedFields =
        ["callId", "modelId", "status", "endCallReason", "duration", "fromPhoneNumber", "toPhoneNumber", "recordingUrl", "startTime"];

    [Fact]
    public async Task Every_documented_field_is_in_the_answer_and_null_while_Synthflow_does_not_know_it()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        var placed = await PlaceAsync(host);

        var call = await ReadAsync(host, placed.CallId);

        Assert.Equal(DocumentedFields, call.EnumerateObject().Select(p => p.Name));
        Assert.Equal(placed.CallId, call.GetProperty("callId").GetString());
        Assert.Equal(Outbound, call.GetProperty("modelId").GetString());
        Assert.Equal(Lead, call.GetProperty("toPhoneNumber").GetString());
        // A call that has not ended has no end reason and no recording yet: present, as null.
        Assert.Equal(JsonValueKind.Null, call.GetProperty("endCallReason").ValueKind);
        Assert.Equal(JsonValueKind.Null, call.GetProperty("recordingUrl").ValueKind);
    }

    [Fact]
    public async Task The_fields_fill_in_as_the_call_ends()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        var placed = await PlaceAsync(host);
        host.Sandbox.SetCallStatus(placed.CallId, "completed", "human_ended_call", durationSeconds: 42);

        var call = await ReadAsync(host, placed.CallId);

        Assert.Equal(DocumentedFields, call.EnumerateObject().Select(p => p.Name));
        Assert.Equal("completed", call.GetProperty("status").GetString());
        Assert.Equal("human_ended_call", call.GetProperty("endCallReason").GetString());
        Assert.Equal(42, call.GetProperty("duration").GetInt32());
    }

    [Fact]
    public async Task Other_answers_still_leave_out_what_is_null()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        // The make-call answer leaves out fromPhoneNumber when Synthflow chose the caller ID: only CallDetails writes nulls.
        using var response = await host.Client.PostAsync(new Uri("/api/calls", UriKind.Relative), HttpAssert.Json(new { modelId = Outbound, phone = Lead, name = "Ada" }));
        var text = await response.Content.ReadAsStringAsync();

        Assert.True(response.IsSuccessStatusCode, text);
        Assert.DoesNotContain("fromPhoneNumber", text, StringComparison.Ordinal);
        Assert.DoesNotContain("null", text, StringComparison.Ordinal);
    }

    private static async Task<MakeCallResponse> PlaceAsync(ConnectorHostHarness host) =>
        await HttpAssert.OkAsync<MakeCallResponse>(await host.Client.PostAsync(new Uri("/api/calls", UriKind.Relative), HttpAssert.Json(new { modelId = Outbound, phone = Lead, name = "Ada" })));

    private static async Task<JsonElement> ReadAsync(ConnectorHostHarness host, string callId)
    {
        using var response = await host.Client.GetAsync(new Uri($"/api/calls/{callId}", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
