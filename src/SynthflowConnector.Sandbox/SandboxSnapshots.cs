namespace SynthflowConnector.Sandbox;

// What tests and benchmarks read of the simulated workspace: the sandbox's own records, not the product's
// SynthflowAgent/SynthflowCall, so its state is independent of the client's model (SandboxWire.cs says why).

/// <summary>A snapshot of one agent (<see cref="SynthflowSandbox.GetAgent"/>).</summary>
public sealed record SandboxAgent
{
    public required string ModelId { get; init; }
    public required string Name { get; init; }

    /// <summary><c>outbound</c>, <c>inbound</c> or <c>widget</c>.</summary>
    public required string Type { get; init; }

    public required string Description { get; init; }

    /// <summary>The agent's own line (an inbound agent's number), or null.</summary>
    public string? PhoneNumber { get; init; }

    /// <summary>The outbound pool in the order numbers joined it; empty for agents without one.</summary>
    public required IReadOnlyList<SandboxPoolNumber> AttachedPhoneNumbers { get; init; }

    public bool IsOutbound => Type == AssistantTypes.Outbound;
}

/// <summary>One number of an agent's pool.</summary>
/// <param name="Number">E.164.</param>
/// <param name="Sid">The provider SID; null for bring-your-own numbers and for numbers the workspace no longer owns.</param>
/// <param name="Slug">The number without its leading <c>+</c>.</param>
public sealed record SandboxPoolNumber(string Number, string? Sid, string Slug);

/// <summary>A call placed through the sandbox (<see cref="SynthflowSandbox.Calls"/>).</summary>
public sealed record SandboxCall
{
    public required string CallId { get; init; }
    public required string ModelId { get; init; }

    /// <summary>
    /// One of get-phone-call's statuses: <c>pending</c>, <c>in-progress</c> half-way through its
    /// <see cref="SynthflowSandbox.CallDuration"/>, then its final status (<see cref="SandboxOutcomes"/>), unless
    /// <see cref="SynthflowSandbox.SetCallStatus"/> moved it by hand.
    /// </summary>
    public required string Status { get; init; }

    public string? EndCallReason { get; init; }

    /// <summary>The caller ID used: the requested <c>from_phone_number</c>, else the sandbox's default choice.</summary>
    public required string PhoneNumberFrom { get; init; }

    public required string PhoneNumberTo { get; init; }

    /// <summary>The lead's number, which list-calls filters on: the recipient.</summary>
    public required string LeadPhoneNumber { get; init; }

    /// <summary>The recipient's name.</summary>
    public required string Name { get; init; }

    /// <summary>Seconds.</summary>
    public required int Duration { get; init; }

    public required DateTimeOffset StartTime { get; init; }

    /// <summary>The request's <c>external_webhook_url</c>: where the post-call webhook goes, or null.</summary>
    public string? ExternalWebhookUrl { get; init; }

    /// <summary>The request's <c>lead_timezone</c>, or null (the webhook then says <c>UTC</c>).</summary>
    public string? Timezone { get; init; }

    /// <summary>When the call reached its final status; null while it lives.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The outcome it ended with (<see cref="SandboxOutcomes"/>); null while it lives.</summary>
    public SandboxOutcome? Outcome { get; init; }

    /// <summary>Set once ended: empty when nothing was said.</summary>
    public string? Transcript { get; init; }

    public string? RecordingUrl { get; init; }

    public string? CustomEndCallReason { get; init; }

    public string? ErrorMessage { get; init; }

    /// <summary>Whether <see cref="Status"/> is final (not pending, ringing, in-progress, paused or registered).</summary>
    public bool HasEnded => !SynthflowContract.LiveStatuses.Contains(Status);
}
