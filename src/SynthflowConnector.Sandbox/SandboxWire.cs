using System.Text.Json;
using System.Text.Json.Serialization;

namespace SynthflowConnector.Sandbox;

// What the sandbox writes, written from Synthflow's contract (docs/synthflow/: the OpenAPI subset and NOTES.md), never
// shared with the product's client: a simulator reusing the client's envelopes would be wrong exactly when the client
// is. Property order follows the subset's schemas. SandboxJsonContext omits nulls, so a property the subset requires
// while allowing null says so with JsonIgnoreCondition.Never.

/// <summary>The <c>pagination</c> object of every list-shaped answer.</summary>
internal sealed record WirePagination(int TotalRecords, int Limit, int Offset)
{
    /// <summary>What single-resource reads (get-assistant, get-phone-call) answer: a list of one.</summary>
    public static WirePagination One { get; } = new(1, 1, 0);
}

/// <summary><c>{"status": …}</c>: attach and detach answer it alone (<c>attach-phone-numbers-to-assistant_Response_200</c>).</summary>
internal sealed record WireStatus(string Status);

/// <summary><c>GET /assistants/</c> (<c>list-assistant_Response_200</c>).</summary>
internal sealed record WireAssistantList(string Status, WireAssistantListPage Response);

/// <summary>
/// The subset declares <c>assistants</c> as one object here; the API answers an array, as get-assistant's schema
/// declares (NOTES.md, schema quirks).
/// </summary>
internal sealed record WireAssistantListPage(WirePagination Pagination, IReadOnlyList<WireAssistantListItem> Assistants);

/// <summary>A list item: no <c>attached_phone_numbers</c> (the list schema has none; read each agent for its pool).</summary>
internal sealed record WireAssistantListItem(string ModelId, string Name, string Type, string Description, string? PhoneNumber);

/// <summary><c>GET /assistants/{model_id}</c>: one agent, shaped as a list, with its pool.</summary>
internal sealed record WireAssistant(string Status, WireAssistantPage Response);

internal sealed record WireAssistantPage(WirePagination Pagination, IReadOnlyList<WireAssistantItem> Assistants);

internal sealed record WireAssistantItem
{
    public required string ModelId { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public string? Description { get; init; }
    public string? PhoneNumber { get; init; }
    public required IReadOnlyList<WireAttachedNumber> AttachedPhoneNumbers { get; init; }

    /// <summary>Empty: the spec says so when <c>include_actions</c> is false, and the sandbox has no actions.</summary>
    public IReadOnlyList<string> Actions { get; init; } = [];

    /// <summary>Empty for the same reason as <see cref="Actions"/>.</summary>
    public IReadOnlyList<JsonElement> InputVariables { get; init; } = [];
}

/// <summary>An <c>AttachedPhoneNumber</c>: <c>sid</c> is required but nullable, so a null is written, not omitted.</summary>
internal sealed record WireAttachedNumber(
    string Number,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Sid,
    string Slug);

/// <summary><c>GET /numbers</c> (<c>Phone-Numbers_get-numbers_Response_200</c>).</summary>
internal sealed record WireNumberList(string Status, WireNumberListPage Response);

internal sealed record WireNumberListPage(WirePagination Pagination, IReadOnlyList<WireNumberListItem> PhoneNumbers);

/// <summary>A workspace number; no slug in this list. <c>sid</c> (string or null, not required) is omitted when there is none.</summary>
internal sealed record WireNumberListItem(string Number, string? Sid, bool IsAvailable);

/// <summary><c>GET /numbers/{slug}</c>: a top-level object, no <c>{status, response}</c> envelope.</summary>
internal sealed record WireNumberDetails
{
    public required string Slug { get; init; }
    public required string PhoneNumber { get; init; }
    public required string FriendlyName { get; init; }
    public string AddressRequirement { get; init; } = "none";
    public bool IsSmsCapable { get; init; } = true;
    public bool IsVoiceCapable { get; init; } = true;
    public string? IsoCountry { get; init; }
    public string? Locality { get; init; }
    public string? Region { get; init; }
    public bool UacEnabled { get; init; }

    /// <summary>Declared as a plain string: omitted (not null) for numbers without a provider SID.</summary>
    public string? Sid { get; init; }

    public required string ProviderName { get; init; }
    public bool IsAvailable { get; init; }
    public required string WorkspaceId { get; init; }

    /// <summary>ISO 8601.</summary>
    public required string CreatedAt { get; init; }

    public required IReadOnlyList<string> Assistants { get; init; }
}

/// <summary><c>POST /calls</c> (<c>voice-call_Response_200</c>).</summary>
internal sealed record WireCallPlaced(string Status, WireCallPlacedBody Response, int Eta);

internal sealed record WireCallPlacedBody(string Answer, string CallId);

/// <summary><c>GET /calls</c> (<c>list-calls_Response_200</c>).</summary>
internal sealed record WireCallList(string Status, WireCallListPage Response);

internal sealed record WireCallListPage(WirePagination Pagination, IReadOnlyList<WireCallListItem> Calls);

/// <summary>A list item: the status is <c>call_status</c>, and the lead is <c>lead_phone_number</c>.</summary>
/// <param name="StartTime">UNIX milliseconds as a string, as the subset declares.</param>
internal sealed record WireCallListItem(
    string CallId,
    string ModelId,
    string CallStatus,
    string? EndCallReason,
    string PhoneNumberFrom,
    string PhoneNumberTo,
    string LeadPhoneNumber,
    string Name,
    int Duration,
    string StartTime) : WireCallDetails;

/// <summary><c>GET /calls/{call_id}</c> (<c>get-phone-call_Response_200</c>): one call, shaped as a list.</summary>
internal sealed record WireCall(string Status, WireCallPage Response);

internal sealed record WireCallPage(WirePagination Pagination, IReadOnlyList<WireCallItem> Calls);

/// <summary>The single-call item: <c>status</c> (not <c>call_status</c>) and no <c>lead_phone_number</c>.</summary>
/// <param name="StartTime">UNIX milliseconds as a string, as the subset declares.</param>
internal sealed record WireCallItem(
    string CallId,
    string ModelId,
    string Status,
    string? EndCallReason,
    string PhoneNumberFrom,
    string PhoneNumberTo,
    string Name,
    int Duration,
    string StartTime) : WireCallDetails;

/// <summary>
/// What both call shapes carry beyond the basics, filled in once the call has ended (omitted while it lives, except
/// <c>type_of_call</c>): get-phone-call's and list-calls' <c>transcript</c>, <c>recording_url</c>,
/// <c>custom_end_call_reason</c>, <c>error_message</c> (empty when there was none), <c>executed_actions</c> and
/// <c>collected_variables</c> (keyed by agent id, then variable name).
/// </summary>
internal abstract record WireCallDetails
{
    public string? Transcript { get; init; }
    public string? RecordingUrl { get; init; }
    public string? CustomEndCallReason { get; init; }
    public string? ErrorMessage { get; init; }
    public IReadOnlyDictionary<string, WireExecutedAction>? ExecutedActions { get; init; }
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, WireCollectedVariable>>? CollectedVariables { get; init; }
    public string TypeOfCall { get; init; } = "outbound";
    public string? Timezone { get; init; }
}

/// <summary>An executed action: its name, type and return value.</summary>
internal sealed record WireExecutedAction(string Name, string ActionType, IReadOnlyDictionary<string, string> ReturnValue);

/// <summary>A collected variable (<c>CollectedVariables</c> schema): its value and whether it was collected.</summary>
internal sealed record WireCollectedVariable(string Value, bool Collected);

/// <summary>Synthflow's usual error: <c>{"detail":{"status","description","request_id","category"}}</c>, all four required.</summary>
internal sealed record WireDetailError(WireErrorDetail Detail);

internal sealed record WireErrorDetail(string Status, string Description, string RequestId, string Category);

/// <summary>The framework's bare error, e.g. <c>{"detail":"Not Found"}</c> for an unknown route.</summary>
internal sealed record WirePlainDetail(string Detail);

/// <summary>The API gateway's error, e.g. <c>{"error":"Unauthorized","message":"Invalid API key"}</c>.</summary>
internal sealed record WireGatewayError(string Error, string Message);
