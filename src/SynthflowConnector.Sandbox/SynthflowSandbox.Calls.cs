using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using SynthflowConnector.PhoneNumbers;

namespace SynthflowConnector.Sandbox;

// Calls: POST /calls, GET /calls/{call_id} and GET /calls.
public sealed partial class SynthflowSandbox
{
    private SandboxReply PlaceCall(string? body)
    {
        if (ParseObject(body) is not { } root)
        {
            return SandboxReply.BadRequest("The request body must be a JSON object.");
        }

        if (RequiredString(root, "model_id") is not { } modelId)
        {
            return SandboxReply.BadRequest("model_id is required and must be a non-empty string.");
        }

        if (RequiredString(root, "phone") is not { } phone)
        {
            return SandboxReply.BadRequest("phone is required and must be a non-empty string.");
        }

        if (RequiredString(root, "name") is not { } name)
        {
            return SandboxReply.BadRequest("name is required and must be a non-empty string.");
        }

        if (!E164.IsValid(phone))
        {
            return SandboxReply.BadRequest($"phone must be an E.164 number such as +14155550123, not '{phone}'.");
        }

        foreach (var optional in (ReadOnlySpan<string>)["from_phone_number", "lead_email", "lead_timezone", "prompt", "greeting", "external_webhook_url"])
        {
            if (root.TryGetProperty(optional, out var value) && value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            {
                return SandboxReply.BadRequest($"{optional} must be a string.");
            }
        }

        if (root.TryGetProperty("custom_variables", out var variables) && variables.ValueKind != JsonValueKind.Null && !IsKeyValueArray(variables))
        {
            return SandboxReply.BadRequest("custom_variables must be an array of {\"key\": string, \"value\": string} objects.");
        }

        // Documented on the webhooks page, not in the subset's voice-call body: where the post-call webhook goes.
        var webhookUrl = OptionalString(root, "external_webhook_url");
        if (webhookUrl is not null && !IsHttpUrl(webhookUrl))
        {
            return SandboxReply.BadRequest($"external_webhook_url must be an absolute http or https URL, not '{webhookUrl}'.");
        }

        var from = OptionalString(root, "from_phone_number");
        var timezone = OptionalString(root, "lead_timezone");
        lock (_gate)
        {
            if (!_agentsById.TryGetValue(modelId, out var agent))
            {
                return AgentNotFound(modelId);
            }

            if (!agent.IsOutbound)
            {
                return SandboxReply.BadRequest($"Calls can only be placed with outbound agents; assistant {modelId} is {agent.Type}.");
            }

            if (from is not null && !agent.Attached.Contains(from, StringComparer.Ordinal))
            {
                return SandboxReply.BadRequest($"from_phone_number {from} is not attached to assistant {modelId}.");
            }

            // Synthflow's default choice is undocumented; the sandbox takes the pool's first number, then the agent's own.
            from ??= agent.Attached.FirstOrDefault() ?? agent.PhoneNumber;
            if (from is null)
            {
                return SandboxReply.BadRequest($"Assistant {modelId} has no phone number to call from.");
            }

            var now = TimeProvider.GetUtcNow();
            if (CheckLimits(now) is { } refusal)
            {
                return refusal;
            }

            var call = new SandboxCall
            {
                CallId = Guid.NewGuid().ToString(),
                ModelId = agent.ModelId,
                Status = "pending",
                PhoneNumberFrom = from,
                PhoneNumberTo = phone,
                LeadPhoneNumber = phone,
                Name = name,
                Duration = 0,
                StartTime = now,
                ExternalWebhookUrl = webhookUrl,
                Timezone = string.IsNullOrWhiteSpace(timezone) ? null : timezone,
            };
            _callIndex.Add(call.CallId, _calls.Count);
            _calls.Add(call);
            CountPlacement(call.CallId, now);
            StartLifecycle(call.CallId, CallDuration);
            return SandboxReply.Json(200, new WireCallPlaced("success", new WireCallPlacedBody("ok", call.CallId), Eta: 2), SandboxJsonContext.Default.WireCallPlaced);
        }
    }

    private SandboxReply GetCall(string callId)
    {
        lock (_gate)
        {
            if (!_callIndex.TryGetValue(callId, out var index))
            {
                return SandboxReply.NotFound($"Call {callId} not found.");
            }

            return SandboxReply.Json(200, new WireCall("ok", new WireCallPage(WirePagination.One, [ToWireItem(_calls[index])])), SandboxJsonContext.Default.WireCall);
        }
    }

    private SandboxReply ListCalls(IQueryCollection query)
    {
        if (!query.TryGetValue("model_id", out var modelIdValues) || string.IsNullOrEmpty(modelIdValues.ToString()))
        {
            return SandboxReply.BadRequest("model_id is required.");
        }

        if (!TryReadPage(query, out var limit, out var offset, out var error)
            || !TryReadLong(query, "from_date", out var fromDate, out error)
            || !TryReadLong(query, "to_date", out var toDate, out error)
            || !TryReadLong(query, "duration_min", out var durationMin, out error)
            || !TryReadLong(query, "duration_max", out var durationMax, out error))
        {
            return error;
        }

        var modelId = modelIdValues.ToString();

        // Query values arrive URL-decoded: a lead sent as %2B1415… is "+1415…" here. A raw '+' decodes to a space
        // (form encoding) and then matches nothing, as it would upstream.
        var lead = query.TryGetValue("lead_phone_number", out var leadValues) ? leadValues.ToString() : null;
        var callStatus = query.TryGetValue("call_status", out var statusValues) ? statusValues.ToString() : null;
        lock (_gate)
        {
            var matching = _calls
                .Select((call, index) => (Call: call, Index: index))
                .Where(c => c.Call.ModelId == modelId)
                .Where(c => lead is null || c.Call.LeadPhoneNumber == lead)
                .Where(c => callStatus is null || c.Call.Status == callStatus)
                .Where(c => fromDate is null || c.Call.StartTime.ToUnixTimeMilliseconds() >= fromDate)
                .Where(c => toDate is null || c.Call.StartTime.ToUnixTimeMilliseconds() <= toDate)
                .Where(c => durationMin is null || c.Call.Duration >= durationMin)
                .Where(c => durationMax is null || c.Call.Duration <= durationMax)
                .OrderByDescending(c => c.Call.StartTime)
                .ThenByDescending(c => c.Index)
                .Select(c => c.Call)
                .ToList();

            // Only the page's items are built (with their transcripts and variables): a sweep paging through an agent's
            // thousands of calls costs a scan per page, not every item's wire form, under the state lock.
            return SandboxReply.Json(
                200,
                new WireCallList("ok", new WireCallListPage(new WirePagination(matching.Count, limit, offset), [.. matching.Skip(offset).Take(limit).Select(ToWireListItem)])),
                SandboxJsonContext.Default.WireCallList);
        }
    }

    /// <summary>The single-call item: <c>status</c>, and no <c>lead_phone_number</c> (a list-item field).</summary>
    private static WireCallItem ToWireItem(SandboxCall call) => WithDetails(
        new WireCallItem(call.CallId, call.ModelId, call.Status, call.EndCallReason, call.PhoneNumberFrom, call.PhoneNumberTo, call.Name, call.Duration, EpochMilliseconds(call.StartTime)),
        call);

    /// <summary>The list item: the status goes out as <c>call_status</c>, with the lead.</summary>
    private static WireCallListItem ToWireListItem(SandboxCall call) => WithDetails(
        new WireCallListItem(call.CallId, call.ModelId, call.Status, call.EndCallReason, call.PhoneNumberFrom, call.PhoneNumberTo, call.LeadPhoneNumber, call.Name, call.Duration, EpochMilliseconds(call.StartTime)),
        call);

    private static T WithDetails<T>(T item, SandboxCall call)
        where T : WireCallDetails =>
        call.Outcome is not { } outcome
            ? item with { Timezone = call.Timezone }
            : item with
            {
                Timezone = call.Timezone,
                Transcript = call.Transcript,
                RecordingUrl = call.RecordingUrl,
                CustomEndCallReason = call.CustomEndCallReason,
                ErrorMessage = call.ErrorMessage ?? string.Empty,
                ExecutedActions = outcome.CollectedVariables.Count == 0
                    ? new Dictionary<string, WireExecutedAction>()
                    : new Dictionary<string, WireExecutedAction> { ["extract_info_1"] = new("extract_info_1", "extract_info_action_type", outcome.CollectedVariables) },
                CollectedVariables = new Dictionary<string, IReadOnlyDictionary<string, WireCollectedVariable>>
                {
                    [call.ModelId] = outcome.CollectedVariables.ToDictionary(v => v.Key, v => new WireCollectedVariable(v.Value, Collected: true), StringComparer.Ordinal),
                },
            };

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && !string.IsNullOrEmpty(uri.Host);

    /// <summary><c>start_time</c>: UNIX milliseconds, as a string (the subset declares it <c>type: string</c>).</summary>
    private static string EpochMilliseconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static bool IsKeyValueArray(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array
        && element.EnumerateArray().All(item =>
            item.ValueKind == JsonValueKind.Object
            && item.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String
            && item.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String);
}
