using System.Globalization;
using System.Text.Json;

namespace SynthflowConnector.Sandbox;

/// <summary>
/// The post-call webhook body, shaped like the documented example (webhooks.md): top-level <c>status</c>,
/// <c>error_message</c>, <c>lead</c>, <c>call</c>, <c>executed_actions</c>, then the documented additions
/// <c>analysis</c> (each field <c>true|false|"partial"|"not_applicable"|null</c> plus <c>&lt;field&gt;_feedback</c>),
/// <c>collected_variables</c> (name → value, collected ones only) and <c>custom_end_call_reason</c> (only when a
/// custom end-call condition fired; also on <c>call</c>, where get-phone-call has it). Nulls are written, as in the
/// example (<c>diversion</c>). <c>call.start_time</c> is ISO 8601 with the offset of the call's time zone.
/// </summary>
internal static class SandboxWebhookPayload
{
    /// <summary>The time zone the webhook names when the request gave no <c>lead_timezone</c>.</summary>
    public const string DefaultTimezone = "UTC";

    public static byte[] Build(SandboxCall call)
    {
        var outcome = call.Outcome ?? throw new InvalidOperationException("Only an ended call has a webhook.");
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", call.Status);
            WriteOrNull(json, "error_message", call.ErrorMessage);

            json.WriteStartObject("lead");
            json.WriteString("name", call.Name);
            json.WriteString("phone_number", call.LeadPhoneNumber);
            json.WriteEndObject();

            var timezone = call.Timezone ?? DefaultTimezone;
            json.WriteStartObject("call");
            json.WriteString("status", call.Status);
            WriteOrNull(json, "end_call_reason", call.EndCallReason);
            json.WriteString("model_id", call.ModelId);
            json.WriteString("timezone", timezone);
            json.WriteString("call_id", call.CallId);
            json.WriteNumber("duration", call.Duration);
            json.WriteString("start_time", StartTime(call.StartTime, timezone));
            json.WriteString("transcript", call.Transcript ?? string.Empty);
            WriteOrNull(json, "recording_url", call.RecordingUrl);
            if (call.CustomEndCallReason is { } custom)
            {
                json.WriteString("custom_end_call_reason", custom);
            }

            json.WriteNull("diversion");
            json.WriteNull("external_id");
            json.WriteEndObject();

            json.WritePropertyName("executed_actions");
            WriteExecutedActions(json, outcome);

            json.WriteStartObject("analysis");
            foreach (var field in outcome.Analysis)
            {
                json.WritePropertyName(field.Name);
                WriteJudgment(json, field.Value);
                json.WriteString(field.Name + "_feedback", field.Feedback);
            }

            json.WriteEndObject();

            json.WriteStartObject("collected_variables");
            foreach (var (name, value) in outcome.CollectedVariables)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
            if (call.CustomEndCallReason is { } reason)
            {
                json.WriteString("custom_end_call_reason", reason);
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// <c>executed_actions</c>: an information-extraction action returning the collected variables, as in the example
    /// (<c>extract_info_1</c>); empty when nothing was collected.
    /// </summary>
    public static void WriteExecutedActions(Utf8JsonWriter json, SandboxOutcome outcome)
    {
        json.WriteStartObject();
        if (outcome.CollectedVariables.Count > 0)
        {
            json.WriteStartObject("extract_info_1");
            json.WriteString("name", "extract_info_1");
            json.WriteString("action_type", "extract_info_action_type");
            json.WriteStartObject("return_value");
            foreach (var (name, value) in outcome.CollectedVariables)
            {
                json.WriteString(name, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    /// <summary>ISO 8601 with microseconds and the offset of <paramref name="timezone"/> at that instant (UTC when unknown).</summary>
    internal static string StartTime(DateTimeOffset start, string timezone)
    {
        var local = TimeZoneInfo.TryFindSystemTimeZoneById(timezone, out var zone) ? TimeZoneInfo.ConvertTime(start, zone) : start.ToUniversalTime();
        return local.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);
    }

    private static void WriteJudgment(Utf8JsonWriter json, string? value)
    {
        switch (value)
        {
            case null:
                json.WriteNullValue();
                break;
            case "true":
                json.WriteBooleanValue(true);
                break;
            case "false":
                json.WriteBooleanValue(false);
                break;
            default:
                json.WriteStringValue(value);
                break;
        }
    }

    private static void WriteOrNull(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null)
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
