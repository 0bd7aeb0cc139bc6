using System.Text.Json.Serialization;

namespace SynthflowConnector.Calls;

public sealed record MakeCallResponse
{
    public required string CallId { get; init; }

    /// <summary>The caller ID sent to Synthflow; null when Synthflow chose.</summary>
    public string? FromPhoneNumber { get; init; }

    public required string CallerIdStrategy { get; init; }
    public required string CallerIdReason { get; init; }

    /// <summary>Seconds until the call starts, as Synthflow estimated.</summary>
    public int? Eta { get; init; }

    /// <summary>True when this answer repeats an earlier request's result (same Idempotency-Key): no new call.</summary>
    public bool IdempotentReplay { get; init; }
}

/// <summary>
/// A call as the get-call action answers it: every field is always in the answer, null when Synthflow does not know it
/// (yet), so flows can read any of them without checking that it exists.
/// </summary>
public sealed record CallDetails
{
    public required string CallId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? ModelId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? Status { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? EndCallReason { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public int? Duration { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? FromPhoneNumber { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? ToPhoneNumber { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public string? RecordingUrl { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public DateTimeOffset? StartTime { get; init; }
}
