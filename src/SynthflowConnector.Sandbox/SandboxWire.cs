using System.Text.Json;
using System.Text.Json.Serialization;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Sandbox;

// Shapes only the sandbox writes. Where the client's envelopes (SynthflowWire.cs) already match the subset they are
// reused; these exist because the shared context omits nulls (WhenWritingNull) while the subset requires some of
// them, or because the client never needs to read the shape. All are registered in SandboxJsonContext.

/// <summary><c>GET /assistants/{model_id}</c>: one agent, shaped as a list, with its pool.</summary>
internal sealed record SandboxAssistantEnvelope(string Status, SandboxAssistantPage Response);

internal sealed record SandboxAssistantPage(Pagination Pagination, IReadOnlyList<SandboxAssistantItem> Assistants);

internal sealed record SandboxAssistantItem
{
    public required string ModelId { get; init; }
    public required string Name { get; init; }
    public required string Type { get; init; }
    public string? Description { get; init; }
    public string? PhoneNumber { get; init; }
    public required IReadOnlyList<SandboxAttachedNumber> AttachedPhoneNumbers { get; init; }

    /// <summary>Empty: the spec says so when <c>include_actions</c> is false, and the sandbox has no actions.</summary>
    public IReadOnlyList<string> Actions { get; init; } = [];

    /// <summary>Empty for the same reason as <see cref="Actions"/>.</summary>
    public IReadOnlyList<JsonElement> InputVariables { get; init; } = [];
}

/// <summary>An <c>AttachedPhoneNumber</c>: <c>sid</c> is required but nullable, so a null is written, not omitted.</summary>
internal sealed record SandboxAttachedNumber(
    string Number,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Sid,
    string Slug);

/// <summary><c>GET /numbers/{slug}</c>: a top-level object, no <c>{status, response}</c> envelope.</summary>
internal sealed record SandboxPhoneNumberDetails
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

/// <summary>Synthflow's usual error: <c>{"detail":{"status","description","request_id","category"}}</c>.</summary>
internal sealed record SandboxDetailError(ErrorDetailBody Detail);

/// <summary>The framework's bare error, e.g. <c>{"detail":"Not Found"}</c> for an unknown route.</summary>
internal sealed record SandboxPlainDetail(string Detail);

/// <summary>The API gateway's error, e.g. <c>{"error":"Unauthorized","message":"Invalid API key"}</c>.</summary>
internal sealed record SandboxGatewayError(string Error, string Message);
