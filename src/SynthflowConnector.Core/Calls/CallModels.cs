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

public sealed record CallDetails
{
    public required string CallId { get; init; }
    public string? ModelId { get; init; }
    public string? Status { get; init; }
    public string? EndCallReason { get; init; }
    public int? Duration { get; init; }
    public string? FromPhoneNumber { get; init; }
    public string? ToPhoneNumber { get; init; }
    public string? RecordingUrl { get; init; }
    public DateTimeOffset? StartTime { get; init; }
}
