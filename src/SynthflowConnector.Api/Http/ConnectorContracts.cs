using System.Text.Json;
using System.Text.Json.Serialization;
using SynthflowConnector.Agents;
using SynthflowConnector.Calls;

namespace SynthflowConnector.Http;

// The connector's public JSON contracts (camelCase). These are what Power Automate users see.

/// <summary>Body of the attach action: exactly one of the two lists.</summary>
public sealed record AttachPhoneNumbersRequest
{
    public IReadOnlyList<string>? PhoneNumbers { get; init; }
    public IReadOnlyList<string>? PhoneNumberSlugs { get; init; }
}

/// <summary>Body of the make-a-call action.</summary>
public sealed record MakeCallRequest
{
    public string? ModelId { get; init; }
    public string? Phone { get; init; }
    public string? Name { get; init; }
    public string? FromPhoneNumber { get; init; }
    public string? CallerIdStrategy { get; init; }
    public IReadOnlyDictionary<string, string?>? CustomVariables { get; init; }
    public string? LeadEmail { get; init; }
    public string? LeadTimezone { get; init; }
    public string? Prompt { get; init; }
    public string? Greeting { get; init; }

    /// <summary>Alternative to the <c>Idempotency-Key</c> header, for clients that cannot set headers.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Where to forward Synthflow's post-call webhook too (the connector still receives it first).</summary>
    public string? WebhookUrl { get; init; }
}

/// <summary>RFC 7807 problem details, with the field errors and Synthflow's request id when there is one.</summary>
public sealed record ConnectorProblem
{
    public required string Type { get; init; }
    public required string Title { get; init; }
    public required int Status { get; init; }
    public string? Detail { get; init; }
    public string? Instance { get; init; }
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }
    public string? SynthflowRequestId { get; init; }
}

/// <summary>
/// The contracts' serializer with a relaxed encoder: flows show <c>'</c> and <c>+</c> as typed, not as <c>\u0027</c>.
/// Safe here: these bodies are JSON for API clients, never embedded in HTML.
/// </summary>
public static class ConnectorJson
{
    public static ConnectorJsonContext Context { get; } = new(CreateOptions());

    /// <summary>The options every contract context of the connector uses (each context needs its own instance).</summary>
    internal static JsonSerializerOptions CreateOptions() => new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter() },
    };
}

[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(HealthReport))]
[JsonSerializable(typeof(AgentList))]
[JsonSerializable(typeof(AgentPhoneNumbers))]
[JsonSerializable(typeof(AttachPhoneNumbersRequest))]
[JsonSerializable(typeof(DetachResult))]
[JsonSerializable(typeof(WorkspacePhoneNumberList))]
[JsonSerializable(typeof(MakeCallRequest))]
[JsonSerializable(typeof(MakeCallResponse))]
[JsonSerializable(typeof(CallDetails))]
[JsonSerializable(typeof(ConnectorProblem))]
[JsonSerializable(typeof(SubscribeCallEndedRequest))]
[JsonSerializable(typeof(CallEndedSubscription))]
[JsonSerializable(typeof(CallEndedSubscriptionList))]
[JsonSerializable(typeof(CallEndedUnsubscribeResult))]
[JsonSerializable(typeof(CallEndedDeliveryFailureList))]
[JsonSerializable(typeof(WebhookReceipt))]
public sealed partial class ConnectorJsonContext : JsonSerializerContext;
