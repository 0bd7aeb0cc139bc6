using System.Text;
using System.Text.Json.Nodes;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Tests.Hooks.Core;

public sealed class SynthflowWebhookParserTests
{
    private static readonly DateTimeOffset Now = new(2025, 3, 28, 17, 20, 0, TimeSpan.Zero);

    [Fact]
    public void The_documented_payload_gives_every_field_of_the_event()
    {
        var result = Parse(HookRig.DocumentedWebhook());

        Assert.True(result.IsValid, result.Error);
        var e = result.Event!;
        Assert.Equal(HookRig.CallId, e.CallId);
        Assert.Equal(HookRig.Agent, e.ModelId);
        Assert.Equal("completed", e.Status);
        Assert.Equal("completed", e.EndCallReason);
        Assert.Null(e.CustomEndCallReason);
        Assert.Equal(32, e.Duration);
        Assert.Equal(new DateTimeOffset(2024, 3, 28, 18, 17, 46, 205, TimeSpan.FromHours(1)).AddTicks(1340), e.StartTime);
        Assert.Equal(e.StartTime!.Value.AddSeconds(32), e.EndTime);
        Assert.Equal("+1234334546", e.ToPhoneNumber);
        Assert.Equal("David", e.LeadName);
        Assert.Null(e.FromPhoneNumber);
        Assert.Equal("\nbot: Hello ...\nhuman: ...", e.Transcript);
        Assert.Null(e.RecordingUrl);
        Assert.Equal("partial", e.Analysis!["user_sentiment"]!.GetValue<string>());
        Assert.Equal("20000", e.CollectedVariables!["budget"]!.GetValue<string>());
        Assert.Equal("car", e.ExtractedValues!["extract_info_1"]!["purchase"]!.GetValue<string>());
        Assert.Null(e.IdempotencyKey);
        Assert.Equal(Now, e.ReceivedAt);

        // Unknown fields stay, in their upstream place: error_message at the top, timezone/diversion/external_id in call.
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"error_message":"agent_goodbye","call":{"timezone":"Europe/Berlin","diversion":null,"external_id":"test_external_id"}}"""),
            e.Raw));
    }

    [Fact]
    public void Call_status_wins_over_the_top_level_status_and_a_differing_top_level_one_is_kept_under_raw()
    {
        var result = Parse("""{"status":"completed","call":{"call_id":"c1","status":"Left_Voicemail"}}""");

        Assert.Equal("left_voicemail", result.Event!.Status);
        Assert.Equal("completed", result.Event.Raw!["status"]!.GetValue<string>());
    }

    [Fact]
    public void The_top_level_status_is_used_when_the_call_has_none()
    {
        var result = Parse("""{"status":"busy","call":{"call_id":"c1"}}""");

        Assert.Equal("busy", result.Event!.Status);
        Assert.Null(result.Event.Raw);
    }

    [Fact]
    public void A_minimal_webhook_leaves_every_missing_field_null_and_an_unknown_status_is_text()
    {
        var result = Parse("""{"call":{"call_id":"c1","status":"teleported"}}""");

        var e = result.Event!;
        Assert.Equal("teleported", e.Status);
        Assert.True(CallStatuses.IsFinal(e.Status));
        Assert.All(
            new object?[] { e.ModelId, e.EndCallReason, e.Duration, e.StartTime, e.EndTime, e.ToPhoneNumber, e.LeadName, e.Transcript, e.Analysis, e.CollectedVariables, e.ExtractedValues, e.Raw },
            Assert.Null);
    }

    [Fact]
    public void Executed_actions_as_a_list_and_custom_fields_are_read_too()
    {
        var result = Parse("""
            {"custom_end_call_reason":"booked","recording_url":"https://rec.example/1.mp3",
             "call":{"call_id":"c1","status":"completed","start_time":1711646266205,"end_time":"2024-03-28T17:18:30Z","duration":"31.6","phone_number_from":"+15550100"},
             "executed_actions":[{"name":"book","return_value":{"slot":"9:00"}},{"name":"noop"}]}
            """);

        var e = result.Event!;
        Assert.Equal("booked", e.CustomEndCallReason);
        Assert.Equal("https://rec.example/1.mp3", e.RecordingUrl);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1711646266205), e.StartTime);
        Assert.Equal(new DateTimeOffset(2024, 3, 28, 17, 18, 30, TimeSpan.Zero), e.EndTime);
        Assert.Equal(32, e.Duration);
        Assert.Equal("+15550100", e.FromPhoneNumber);
        Assert.Equal("9:00", e.ExtractedValues!["book"]!["slot"]!.GetValue<string>());
        Assert.True(e.ExtractedValues.ContainsKey("noop"));
        Assert.Null(e.ExtractedValues["noop"]);
    }

    [Theory]
    [InlineData("""{"call":{"call_id":"c1","status":"completed","duration":"long"}}""", "call.duration")]
    [InlineData("""{"call":{"call_id":"c1","status":"completed","duration":-3}}""", "call.duration")]
    [InlineData("""{"call":{"call_id":"c1","status":"completed","start_time":"yesterday"}}""", "call.start_time")]
    [InlineData("""{"call":{"call_id":"c1","status":"completed","transcript":["bot: hi"]}}""", "call.transcript")]
    [InlineData("""{"call":{"call_id":"c1","status":"completed","model_id":42}}""", "call.model_id")]
    [InlineData("""{"call":{"call_id":"c1","status":7}}""", "call.status")]
    [InlineData("""{"call":{"call_id":"c1"}}""", "call.status")]
    [InlineData("""{"call":{"call_id":"c1","status":"completed"},"lead":"David"}""", "lead")]
    [InlineData("""{"call":{"call_id":"c1","status":"completed"},"lead":{"phone_number":15550100}}""", "lead.phone_number")]
    [InlineData("""{"call":{"call_id":"c1","status":"completed"},"analysis":"good"}""", "analysis")]
    [InlineData("""{"call":{"call_id":"c1","status":"completed"},"collected_variables":[1]}""", "collected_variables")]
    [InlineData("""{"call":{"call_id":"c1","status":"completed"},"executed_actions":"x"}""", "executed_actions")]
    [InlineData("""{"call":{"call_id":"c1","status":"completed"},"executed_actions":{"a":5}}""", "executed_actions.a")]
    [InlineData("""{"call":{"call_id":"c1","status":"com/pleted"}}""", "call.status")]
    public void A_field_of_the_wrong_type_is_named_and_the_call_id_still_known(string body, string field)
    {
        var result = Parse(body);

        Assert.False(result.IsValid);
        Assert.Equal(field, result.Field);
        Assert.Equal("c1", result.CallId);
        Assert.Contains(field, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", null)]
    [InlineData("not json", null)]
    [InlineData("[1,2]", null)]
    [InlineData("\"text\"", null)]
    [InlineData("""{"call":{"call_id":"a","call_id":"b"}}""", null)]
    [InlineData("""{"call":"c1"}""", "call")]
    [InlineData("""{"call":{"status":"completed"}}""", "call.call_id")]
    [InlineData("""{"call":{"call_id":12345,"status":"completed"}}""", "call.call_id")]
    [InlineData("""{"call":{"call_id":"a/b","status":"completed"}}""", "call.call_id")]
    [InlineData("""{"call":{"call_id":"   ","status":"completed"}}""", "call.call_id")]
    public void An_unreadable_body_is_invalid_without_a_call_id(string body, string? field)
    {
        var result = Parse(body);

        Assert.False(result.IsValid);
        Assert.Null(result.CallId);
        Assert.Equal(field, result.Field);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public void Deeply_nested_json_is_refused_not_thrown()
    {
        var body = "{\"call\":{\"call_id\":\"c1\",\"status\":\"completed\"},\"x\":" + new string('[', 200) + new string(']', 200) + "}";

        Assert.False(Parse(body).IsValid);
    }

    [Fact]
    public void HookJson_writes_camelCase_with_nulls_and_unescaped_plus_and_reads_it_back()
    {
        var e = Parse(HookRig.DocumentedWebhook()).Event!;

        var json = Encoding.UTF8.GetString(HookJson.SerializeEvent(e));
        var node = JsonNode.Parse(json)!.AsObject();

        Assert.Equal(
            ["callId", "modelId", "status", "endCallReason", "customEndCallReason", "duration", "startTime", "endTime", "toPhoneNumber",
             "leadName", "fromPhoneNumber", "transcript", "recordingUrl", "analysis", "collectedVariables", "extractedValues",
             "idempotencyKey", "receivedAt", "raw"],
            node.Select(p => p.Key).ToArray());
        Assert.Contains("\"recordingUrl\":null", json, StringComparison.Ordinal);
        Assert.Contains("\"toPhoneNumber\":\"+1234334546\"", json, StringComparison.Ordinal);
        var back = HookJson.DeserializeEvent(Encoding.UTF8.GetBytes(json))!;
        Assert.Equal(e.CallId, back.CallId);
        Assert.Equal(e.StartTime, back.StartTime);
        Assert.True(JsonNode.DeepEquals(e.Raw, back.Raw));
        Assert.True(JsonNode.DeepEquals(e.ExtractedValues, back.ExtractedValues));
    }

    private static SynthflowWebhookParseResult Parse(string body) => SynthflowWebhookParser.Parse(Encoding.UTF8.GetBytes(body), Now);
}
