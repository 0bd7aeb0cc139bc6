using System.Text.Json.Serialization;

namespace SynthflowConnector.Synthflow;

// These records are both the client's public model and the wire format: the source-generated
// serializer context maps PascalCase names to Synthflow's snake_case. Unknown fields are ignored
// on read, so additions on Synthflow's side never break us.

/// <summary>An agent (Synthflow calls it an assistant).</summary>
public sealed record SynthflowAgent
{
    public required string ModelId { get; init; }
    public string? Name { get; init; }

    /// <summary><c>outbound</c>, <c>inbound</c> or <c>widget</c>; kept as text so a new type never breaks parsing.</summary>
    public string? Type { get; init; }

    public string? Description { get; init; }

    /// <summary>The agent's primary number (inbound agents).</summary>
    public string? PhoneNumber { get; init; }

    /// <summary>The outbound pool. Present on GET of one agent; absent on list items (per the spec).</summary>
    public IReadOnlyList<AttachedPhoneNumber>? AttachedPhoneNumbers { get; init; }

    [JsonIgnore]
    public bool IsOutbound => string.Equals(Type, AgentTypes.Outbound, StringComparison.OrdinalIgnoreCase);
}

public static class AgentTypes
{
    public const string Outbound = "outbound";
    public const string Inbound = "inbound";
    public const string Widget = "widget";
}

/// <summary>One number of an agent's outbound pool.</summary>
public sealed record AttachedPhoneNumber
{
    public required string Number { get; init; }

    /// <summary>Twilio SID; null for numbers that are not Twilio's.</summary>
    public string? Sid { get; init; }

    public required string Slug { get; init; }
}

/// <summary>A number owned by the workspace (<c>GET /numbers</c>). This list has no slug.</summary>
public sealed record WorkspacePhoneNumber
{
    public required string Number { get; init; }
    public string? Sid { get; init; }

    /// <summary>True when no inbound agent uses the number.</summary>
    public bool IsAvailable { get; init; }

    /// <summary>The slug Synthflow derives from the number: the number without its leading <c>+</c>.</summary>
    [JsonIgnore]
    public string Slug => PhoneNumberSlug.FromNumber(Number);
}

public sealed record CustomVariable
{
    public required string Key { get; init; }
    public required string Value { get; init; }
}

/// <summary>Body of <c>POST /calls</c>.</summary>
public sealed record PlaceCallRequest
{
    public required string ModelId { get; init; }

    /// <summary>Recipient, E.164.</summary>
    public required string Phone { get; init; }

    /// <summary>Recipient's name.</summary>
    public required string Name { get; init; }

    /// <summary>Caller ID; must be attached to the agent. Null lets Synthflow choose.</summary>
    public string? FromPhoneNumber { get; init; }

    public IReadOnlyList<CustomVariable>? CustomVariables { get; init; }
    public string? LeadEmail { get; init; }
    public string? LeadTimezone { get; init; }
    public string? Prompt { get; init; }
    public string? Greeting { get; init; }

    /// <summary>Where Synthflow POSTs the post-call webhook (<c>external_webhook_url</c>); null sends none.</summary>
    public string? ExternalWebhookUrl { get; init; }
}

/// <summary>What <c>POST /calls</c> answers: the call's id and the seconds until it starts.</summary>
public sealed record CallPlaced(string CallId, int? Eta);

/// <summary>A call record (<c>GET /calls/{id}</c>, or an item of <c>GET /calls</c>).</summary>
public sealed record SynthflowCall
{
    public required string CallId { get; init; }
    public string? ModelId { get; init; }

    /// <summary>Status on <c>GET /calls/{id}</c>.</summary>
    public string? Status { get; init; }

    /// <summary>Status on <c>GET /calls</c> items (the list uses another field name).</summary>
    public string? CallStatus { get; init; }

    public string? EndCallReason { get; init; }
    public string? PhoneNumberFrom { get; init; }
    public string? PhoneNumberTo { get; init; }

    /// <summary>The lead's number on list items.</summary>
    public string? LeadPhoneNumber { get; init; }

    public string? Name { get; init; }

    /// <summary>Seconds.</summary>
    public int? Duration { get; init; }

    public string? RecordingUrl { get; init; }
    public string? ErrorMessage { get; init; }

    /// <summary>Call start; UNIX milliseconds on the wire (a string per the spec, a number tolerated).</summary>
    [JsonConverter(typeof(EpochMillisecondsConverter))]
    public DateTimeOffset? StartTime { get; init; }

    [JsonIgnore]
    public string? EffectiveStatus => Status ?? CallStatus;
}

/// <summary>Filters for <c>GET /calls</c>: the calls of one agent, optionally to one lead, within a window.</summary>
public sealed record CallSearch
{
    public required string ModelId { get; init; }
    public string? LeadPhoneNumber { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }
}

/// <summary>
/// Body of <c>PUT /assistants/{model_id}/phone_numbers</c>: numbers <b>or</b> slugs, never both —
/// the two subtypes make the mix unrepresentable.
/// </summary>
public abstract record AttachPhoneNumbers
{
    private protected AttachPhoneNumbers() { }

    public static AttachPhoneNumbers ByNumbers(IEnumerable<string> numbers) => new AttachByNumbers([.. numbers]);

    public static AttachPhoneNumbers BySlugs(IEnumerable<string> slugs) => new AttachBySlugs([.. slugs]);

    /// <summary>The values sent, whichever form.</summary>
    public abstract IReadOnlyList<string> Values { get; }
}

public sealed record AttachByNumbers(IReadOnlyList<string> PhoneNumbers) : AttachPhoneNumbers
{
    public override IReadOnlyList<string> Values => PhoneNumbers;
}

public sealed record AttachBySlugs(IReadOnlyList<string> PhoneNumberSlugs) : AttachPhoneNumbers
{
    public override IReadOnlyList<string> Values => PhoneNumberSlugs;
}

/// <summary>Synthflow's slug of a number: the E.164 number without its leading <c>+</c>.</summary>
public static class PhoneNumberSlug
{
    public static string FromNumber(string number) => number.StartsWith('+') ? number[1..] : number;

    public static string ToNumber(string slug) => slug.StartsWith('+') ? slug : "+" + slug;
}
