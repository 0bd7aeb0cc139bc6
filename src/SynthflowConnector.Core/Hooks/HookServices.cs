namespace SynthflowConnector.Hooks;

// The results of the trigger's services; the services themselves live in their own files (CallEventIntake,
// CallEventFanOut, CallbackDelivery, CallEndSweep, HookSubscriptionService, CallbackUrlPolicy).

/// <summary>How the receiver answered a webhook.</summary>
public enum WebhookIntakeStatus
{
    /// <summary>Queued for fan-out (200); a duplicate of an earlier webhook is dropped there, not here.</summary>
    Accepted,

    /// <summary>A webhook too large to queue whose (call id, status) is already stored: acknowledged, not fanned out again (200).</summary>
    Duplicate,

    /// <summary>Missing or wrong signature (401); nothing stored.</summary>
    Unauthorized,

    /// <summary>Live mode without <c>Synthflow__WebhookSecret</c>: webhooks refused (503); nothing stored.</summary>
    NotConfigured,

    /// <summary>Not a post-call webhook we can read (400, <see cref="WebhookIntakeResult.Field"/> names the field).</summary>
    Invalid,

    /// <summary>Signed and readable, but the status is not final (e.g. <c>in-progress</c>): acknowledged, nothing fanned out (200).</summary>
    Ignored,
}

public sealed record WebhookIntakeResult(WebhookIntakeStatus Status, string? CallId = null, string? Detail = null, string? Field = null);

public enum DeliveryOutcome
{
    Delivered,
    RetryQueued,
    SubscriptionRemoved,
    GaveUp,
    Skipped,
}

public sealed record CallEndSweepSummary(int OpenCalls, int AgentsListed, int EventsEmitted, int FanOutsRequeued, int Closed);

/// <summary>A validated subscribe request.</summary>
public sealed record SubscribeCommand(Uri CallbackUrl, string? ModelId, IReadOnlyList<string>? Statuses);
