using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SynthflowConnector.Hooks;

/// <summary>What reading a webhook body gave: the event, or the field that could not be read (and the call id if it was found).</summary>
public sealed record SynthflowWebhookParseResult(string? CallId, CallEndedEvent? Event, string? Field, string? Error)
{
    public bool IsValid => Event is not null;
}

/// <summary>
/// Reads Synthflow's post-call webhook (<c>{status, lead, call: {...}, executed_actions, analysis, collected_variables}</c>)
/// into a <see cref="CallEndedEvent"/>. Never throws for a bad body: a field of the wrong type comes back named.
/// Fields the event does not name are kept under <see cref="CallEndedEvent.Raw"/>, in their upstream place.
/// </summary>
public static class SynthflowWebhookParser
{
    private const int MaxIdLength = 200;
    private const int MaxStatusLength = 64;

    private static readonly HashSet<string> KnownTopLevel = new(StringComparer.Ordinal)
    {
        "status", "call", "lead", "executed_actions", "analysis", "collected_variables", "custom_end_call_reason", "recording_url", "call_id",
    };

    private static readonly HashSet<string> KnownCall = new(StringComparer.Ordinal)
    {
        "call_id", "status", "model_id", "end_call_reason", "custom_end_call_reason", "duration", "start_time", "end_time",
        "transcript", "recording_url", "phone_number_from", "phone_number_to", "analysis", "collected_variables",
    };

    private static readonly HashSet<string> KnownLead = new(StringComparer.Ordinal) { "name", "phone_number" };

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    public static SynthflowWebhookParseResult Parse(ReadOnlySpan<byte> body, DateTimeOffset receivedAt)
    {
        JsonObject root;
        try
        {
            if (JsonNode.Parse(body, documentOptions: DocumentOptions) is not JsonObject parsed)
            {
                return Fail(null, null, "The body must be a JSON object.");
            }

            root = parsed;
            _ = root.Count; // materialises the properties now, so a duplicate name fails here
        }
        catch (Exception error) when (error is JsonException or ArgumentException or InvalidOperationException)
        {
            return Fail(null, null, "The body is not readable JSON.");
        }

        string? callId = null;
        try
        {
            var call = new Fields("call", ObjectOf(root, "call", "call") ?? []);
            var id = call.Text("call_id") ?? new Fields(null, root).Text("call_id")
                ?? throw new FieldException("call.call_id", "call.call_id is missing.");
            CheckKey(id, "call.call_id", MaxIdLength);
            callId = id;
            return new SynthflowWebhookParseResult(callId, Read(root, call, callId, receivedAt), null, null);
        }
        catch (FieldException error)
        {
            return Fail(callId, error.Field, error.Message);
        }
        catch (Exception error) when (error is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            return Fail(callId, null, "The body is not a post-call webhook.");
        }
    }

    private static CallEndedEvent Read(JsonObject root, Fields call, string callId, DateTimeOffset receivedAt)
    {
        var top = new Fields(null, root);
        var lead = new Fields("lead", ObjectOf(root, "lead", "lead") ?? []);
        var topStatus = top.Text("status");
        var status = call.Text("status") ?? topStatus ?? throw new FieldException("call.status", "call.status is missing.");
        CheckKey(status, call.Text("status") is null ? "status" : "call.status", MaxStatusLength);
        status = CallStatuses.Normalize(status);

        var startTime = call.Time("start_time");
        var duration = call.Int("duration");
        var endTime = call.Time("end_time") ?? (startTime is { } start && duration is { } seconds ? start.AddSeconds(seconds) : null);

        var raw = Unknown(root, KnownTopLevel);
        if (topStatus is not null && call.Text("status") is not null && !string.Equals(CallStatuses.Normalize(topStatus), status, StringComparison.Ordinal))
        {
            raw["status"] = topStatus;
        }

        AddNested(raw, "call", Unknown(call.Node, KnownCall));
        AddNested(raw, "lead", Unknown(lead.Node, KnownLead));

        return new CallEndedEvent
        {
            CallId = callId,
            ModelId = call.Text("model_id"),
            Status = status,
            EndCallReason = call.Text("end_call_reason"),
            CustomEndCallReason = call.Text("custom_end_call_reason") ?? top.Text("custom_end_call_reason"),
            Duration = duration,
            StartTime = startTime,
            EndTime = endTime,
            ToPhoneNumber = lead.Text("phone_number") ?? call.Text("phone_number_to"),
            LeadName = lead.Text("name"),
            FromPhoneNumber = call.Text("phone_number_from"),
            Transcript = call.Text("transcript"),
            RecordingUrl = call.Text("recording_url") ?? top.Text("recording_url"),
            Analysis = top.Object("analysis") ?? call.Object("analysis"),
            CollectedVariables = top.Object("collected_variables") ?? call.Object("collected_variables"),
            ExtractedValues = ExtractedValues(root),
            ReceivedAt = receivedAt,
            Raw = raw.Count == 0 ? null : raw,
        };
    }

    /// <summary>executed_actions (an object by action key, or a list) → action name → its return_value.</summary>
    private static JsonObject? ExtractedValues(JsonObject root)
    {
        var actions = root["executed_actions"];
        IEnumerable<(string Key, JsonNode? Action)> entries = actions switch
        {
            null => [],
            JsonObject byKey => byKey.Select(pair => (pair.Key, pair.Value)),
            JsonArray list => list.Select((action, index) => (index.ToString(CultureInfo.InvariantCulture), action)),
            _ => throw new FieldException("executed_actions", "executed_actions must be an object of actions."),
        };
        if (actions is null)
        {
            return null;
        }

        var extracted = new JsonObject();
        foreach (var (key, action) in entries)
        {
            if (action is null)
            {
                continue;
            }

            var field = $"executed_actions.{key}";
            var fields = new Fields(field, action as JsonObject ?? throw new FieldException(field, $"{field} must be an object."));
            extracted[fields.Text("name") ?? key] = fields.Node.TryGetPropertyValue("return_value", out var value) ? value?.DeepClone() : null;
        }

        return extracted;
    }

    private static JsonObject? ObjectOf(JsonObject parent, string name, string field) => parent[name] switch
    {
        null => null,
        JsonObject found => found,
        _ => throw new FieldException(field, $"{field} must be an object."),
    };

    private static JsonObject Unknown(JsonObject source, HashSet<string> known)
    {
        var unknown = new JsonObject();
        foreach (var (name, value) in source)
        {
            if (!known.Contains(name))
            {
                unknown[name] = value?.DeepClone();
            }
        }

        return unknown;
    }

    private static void AddNested(JsonObject raw, string name, JsonObject unknown)
    {
        if (unknown.Count > 0)
        {
            raw[name] = unknown;
        }
    }

    /// <summary>Ids and statuses become storage keys and log values: printable, bounded, without <c>/ \ # ?</c>.</summary>
    private static void CheckKey(string value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > maxLength
            || value.Any(c => char.IsControl(c) || c is '/' or '\\' or '#' or '?'))
        {
            throw new FieldException(field, $"{field} must be 1 to {maxLength} printable characters without / \\ # or ?.");
        }
    }

    private static SynthflowWebhookParseResult Fail(string? callId, string? field, string error) => new(callId, null, field, error);

    /// <summary>Typed reads of one object's fields; a wrong type throws <see cref="FieldException"/> naming the field.</summary>
    private sealed class Fields(string? path, JsonObject node)
    {
        public JsonObject Node { get; } = node;

        public string? Text(string name) => Node[name] switch
        {
            null => null,
            JsonValue value when value.TryGetValue<string>(out var text) => text,
            _ => throw Wrong(name, "text"),
        };

        public int? Int(string name)
        {
            var number = Node[name] switch
            {
                null => (double?)null,
                JsonValue value when value.TryGetValue<double>(out var d) => d,
                JsonValue value when value.TryGetValue<string>(out var text)
                    && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
                _ => throw Wrong(name, "a number"),
            };
            return number switch
            {
                null => null,
                < 0 or > int.MaxValue or double.NaN => throw Wrong(name, "a number of seconds, 0 or more"),
                { } seconds => (int)Math.Round(seconds, MidpointRounding.AwayFromZero),
            };
        }

        public DateTimeOffset? Time(string name) => Node[name] switch
        {
            null => null,
            JsonValue value when value.TryGetValue<string>(out var text)
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) => parsed,
            JsonValue value when value.TryGetValue<long>(out var epochMs) && epochMs is >= 0 and < 253_402_300_800_000 =>
                DateTimeOffset.FromUnixTimeMilliseconds(epochMs),
            _ => throw Wrong(name, "a date and time"),
        };

        public JsonObject? Object(string name) => Node[name] switch
        {
            null => null,
            JsonObject found => (JsonObject)found.DeepClone(),
            _ => throw Wrong(name, "an object"),
        };

        private FieldException Wrong(string name, string expected)
        {
            var field = path is null ? name : $"{path}.{name}";
            return new FieldException(field, $"{field} must be {expected}.");
        }
    }

    private sealed class FieldException(string field, string message) : Exception(message)
    {
        public string Field { get; } = field;
    }
}
