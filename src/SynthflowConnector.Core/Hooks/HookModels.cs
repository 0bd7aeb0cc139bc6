using System.Text.Json.Nodes;

namespace SynthflowConnector.Hooks;

/// <summary>
/// What the "When a call ends" trigger delivers: one schema, camelCase on the wire. Fields Synthflow did not send are
/// null; upstream fields this schema does not name are kept under <see cref="Raw"/>.
/// </summary>
public sealed record CallEndedEvent
{
    public required string CallId { get; init; }
    public string? ModelId { get; init; }

    /// <summary>The call's final status (<c>completed</c>, <c>no-answer</c>, <c>busy</c>, <c>failed</c>, …), as text.</summary>
    public required string Status { get; init; }

    public string? EndCallReason { get; init; }
    public string? CustomEndCallReason { get; init; }

    /// <summary>Seconds.</summary>
    public int? Duration { get; init; }

    public DateTimeOffset? StartTime { get; init; }

    /// <summary>Upstream's end time, else <see cref="StartTime"/> plus <see cref="Duration"/>.</summary>
    public DateTimeOffset? EndTime { get; init; }

    public string? ToPhoneNumber { get; init; }
    public string? LeadName { get; init; }
    public string? FromPhoneNumber { get; init; }
    public string? Transcript { get; init; }

    /// <summary>From the webhook, else from <c>GET /v2/calls/{id}</c> (filled at fan-out).</summary>
    public string? RecordingUrl { get; init; }

    /// <summary>Synthflow's post-call analysis object, as sent.</summary>
    public JsonObject? Analysis { get; init; }

    /// <summary>Variable name → value, only the collected ones.</summary>
    public JsonObject? CollectedVariables { get; init; }

    /// <summary>Executed actions' return values, by action name.</summary>
    public JsonObject? ExtractedValues { get; init; }

    /// <summary>The make-a-call <c>Idempotency-Key</c>, when the call was placed through the connector with one.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>When the connector accepted the webhook (or the sweep found the call).</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Upstream fields the schema does not name, kept as sent.</summary>
    public JsonObject? Raw { get; init; }
}

/// <summary>The event names subscriptions can be for.</summary>
public static class HookEvents
{
    public const string CallEnded = "call-ended";

    /// <summary>A campaign completed (its deliveries carry <see cref="DeliveryMessage.CampaignId"/>).</summary>
    public const string CampaignCompleted = "campaign-completed";
}

/// <summary>A flow's subscription to an event (a Power Platform webhook trigger instance).</summary>
public sealed record HookSubscription
{
    /// <summary>Unguessable: 128 random bits or more, URL-safe text.</summary>
    public required string Id { get; init; }

    /// <summary>A <see cref="HookEvents"/> value.</summary>
    public required string Event { get; init; }

    /// <summary>Where deliveries are POSTed (the platform's notification URL).</summary>
    public required Uri CallbackUrl { get; init; }

    /// <summary>Only calls of this agent; null for every agent.</summary>
    public string? ModelId { get; init; }

    /// <summary>Only these final statuses; null or empty for every status.</summary>
    public IReadOnlyList<string>? Statuses { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public bool Matches(CallEndedEvent callEnded)
    {
        ArgumentNullException.ThrowIfNull(callEnded);
        return (ModelId is null || string.Equals(ModelId, callEnded.ModelId, StringComparison.Ordinal))
            && (Statuses is not { Count: > 0 } statuses || statuses.Contains(callEnded.Status, StringComparer.OrdinalIgnoreCase));
    }
}

/// <summary>An accepted event as stored: once per (call id, final status).</summary>
public sealed record StoredCallEvent
{
    public required CallEndedEvent Event { get; init; }

    /// <summary>The webhook body exactly as received (forwarded to a caller-supplied webhook URL); null when the sweep made the event.</summary>
    public string? OriginalBody { get; init; }

    /// <summary>
    /// True once the event's deliveries have been handed out: the first tries made (or queued, for a message from an
    /// earlier version) and any retries queued. An event claimed by a queue message (<see cref="Claim"/>) is stored
    /// fanned out: its message, not this row, carries the unfinished work.
    /// </summary>
    public bool FannedOut { get; init; }

    /// <summary>
    /// The <see cref="CallEventMessage.Claim"/> of the queue message that stored the row (null for a row the receiver
    /// stored before queueing it by reference): the same message handled again finds its own claim and goes on.
    /// </summary>
    public string? Claim { get; init; }
}

/// <summary>A call placed through make-a-call: what the sweep looks for and what enriches its event.</summary>
public sealed record PlacedCall
{
    public required string CallId { get; init; }
    public required string ModelId { get; init; }
    public required DateTimeOffset PlacedAt { get; init; }
    public string? IdempotencyKey { get; init; }

    /// <summary>The request's own webhook URL: the connector forwards Synthflow's webhook there too.</summary>
    public Uri? ForwardUrl { get; init; }

    public string? ToPhoneNumber { get; init; }
    public string? FromPhoneNumber { get; init; }

    /// <summary>The account pacer's slot the call holds (null when unpaced): its end frees it.</summary>
    public string? PacingSlotId { get; init; }
}

/// <summary>
/// Queue message: an accepted event to fan out. The receiver's and the sweep's messages carry the event itself
/// (<see cref="Claim"/> set, with <see cref="OriginalBody"/> or <see cref="Event"/>), and the fan-out stores it; a webhook
/// too large for a message is stored by the receiver first and queued by reference (only the call id and status).
/// </summary>
public sealed record CallEventMessage(string CallId, string Status)
{
    /// <summary>
    /// The message that carries <paramref name="callEnded"/> under a new claim: its webhook body when there is one (the
    /// fan-out reads the event from it again, and forwards it), else the event itself (the sweep's).
    /// </summary>
    public static CallEventMessage Claiming(CallEndedEvent callEnded, string? originalBody)
    {
        ArgumentNullException.ThrowIfNull(callEnded);
        return new CallEventMessage(callEnded.CallId, callEnded.Status)
        {
            Claim = NewClaim(),
            ReceivedAt = callEnded.ReceivedAt,
            OriginalBody = originalBody,
            Event = originalBody is null ? callEnded : null,
        };
    }

    /// <summary>A new <see cref="Claim"/>: 128 random bits.</summary>
    public static string NewClaim() => System.Security.Cryptography.RandomNumberGenerator.GetHexString(32, lowercase: true);

    /// <summary>
    /// 128 random bits naming this message: the fan-out stores the event under it, insert-only, so a second message for
    /// the same (call id, status), a duplicate webhook, finds another claim and is dropped, while this message handled
    /// again (a crash, a redelivery) finds its own and finishes. Null for a message by reference.
    /// </summary>
    public string? Claim { get; init; }

    /// <summary>When the webhook was received (the event's <c>receivedAt</c>, which re-reading the body must give again).</summary>
    public DateTimeOffset? ReceivedAt { get; init; }

    /// <summary>The webhook body as received, read again by the fan-out (and forwarded as it is); null for the sweep's events.</summary>
    public string? OriginalBody { get; init; }

    /// <summary>The event itself when there is no body to read it from (the sweep builds it from Synthflow's call record).</summary>
    public CallEndedEvent? Event { get; init; }
}

/// <summary>Queue message: one POST of one event to one target.</summary>
public sealed record DeliveryMessage
{
    public required string CallId { get; init; }
    public required string Status { get; init; }

    /// <summary>The subscription delivered to; null for a forward to a make-a-call webhook URL.</summary>
    public string? SubscriptionId { get; init; }

    /// <summary>The forward target when <see cref="SubscriptionId"/> is null.</summary>
    public Uri? ForwardUrl { get; init; }

    /// <summary>Set for a <c>campaign-completed</c> delivery: the body is built from this campaign (CallId repeats it).</summary>
    public string? CampaignId { get; init; }

    /// <summary>1 for the first try.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>When the first try was queued: retries stop once the retry window has passed since then.</summary>
    public required DateTimeOffset FirstQueuedAt { get; init; }

    /// <summary>
    /// The (enriched) event a subscription delivery posts, carried so the delivery reads no row. Null for a forward, for
    /// a campaign delivery, when it would not fit in a queue message (the queue leaves it out) and in a record of a
    /// delivery given up: the delivery then reads the stored event.
    /// </summary>
    public CallEndedEvent? Event { get; init; }
}

/// <summary>A delivery that gave up (also on the poison queue), for <c>GET /api/hooks/call-ended/failures</c>.</summary>
public sealed record DeliveryFailure
{
    public required string Id { get; init; }
    public required DeliveryMessage Delivery { get; init; }

    /// <summary>The callback's host only (never the path or query: a notification URL carries a signature).</summary>
    public string? TargetHost { get; init; }

    /// <summary>The last HTTP status, or null when the last try got no answer.</summary>
    public int? LastStatusCode { get; init; }

    /// <summary>Why it gave up, in words (no secrets, no unmasked numbers).</summary>
    public required string Reason { get; init; }

    public required DateTimeOffset FailedAt { get; init; }
}

/// <summary>How one HTTP POST to a callback went.</summary>
/// <param name="StatusCode">The answer's status, or null when none came (timeout, refused, reset, blocked address).</param>
/// <param name="Error">Why there was no answer, in words.</param>
public sealed record CallbackResult(int? StatusCode, string? Error = null)
{
    public bool Succeeded => StatusCode is >= 200 and < 300;
}
