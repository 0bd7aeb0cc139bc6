namespace SynthflowConnector.Hooks;

// SKELETON (the signatures the API and hosts code against). The core helper replaces each body and may split the
// file; the public signatures stay unless the change is agreed.

/// <summary>How the receiver answered a webhook.</summary>
public enum WebhookIntakeStatus
{
    /// <summary>Stored and queued for fan-out (200).</summary>
    Accepted,

    /// <summary>Already stored for this (call id, status): acknowledged, not fanned out again (200).</summary>
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

/// <summary>The receiver: verifies, parses, dedupes, stores and queues; the acknowledgement path, so it does nothing else.</summary>
public sealed class CallEventIntake
{
    /// <summary>Header carrying base64(HMAC-SHA256(secret, call_id)) (documented in CGI form as HTTP_SYNTHFLOW_SIGNATURE).</summary>
    public const string SignatureHeader = "Synthflow-Signature";

    /// <summary>Bodies above this are refused with 413 before parsing.</summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    public Task<WebhookIntakeResult> AcceptAsync(ReadOnlyMemory<byte> body, string? signature, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}

/// <summary>Queue handler for <see cref="IHookQueues.EventsQueue"/>: enriches the event and queues one delivery per matching subscription (and forward).</summary>
public sealed class CallEventFanOut
{
    /// <summary>Throws on a store or queue fault so the queue redelivers the message.</summary>
    public Task HandleAsync(CallEventMessage message, CancellationToken cancellationToken) => throw new NotImplementedException();
}

public enum DeliveryOutcome
{
    Delivered,
    RetryQueued,
    SubscriptionRemoved,
    GaveUp,
    Skipped,
}

/// <summary>Queue handler for <see cref="IHookQueues.DeliveriesQueue"/>: one POST; a retry is a new message with a backoff delay.</summary>
public sealed class CallbackDelivery
{
    public Task<DeliveryOutcome> HandleAsync(DeliveryMessage message, CancellationToken cancellationToken) => throw new NotImplementedException();
}

public sealed record CallEndSweepSummary(int OpenCalls, int AgentsListed, int EventsEmitted, int FanOutsRequeued, int Closed);

/// <summary>The polling safety net: finds calls placed through the connector that ended without a webhook.</summary>
public sealed class CallEndSweep
{
    public Task<CallEndSweepSummary> RunAsync(CancellationToken cancellationToken) => throw new NotImplementedException();
}

/// <summary>A validated subscribe request.</summary>
public sealed record SubscribeCommand(Uri CallbackUrl, string? ModelId, IReadOnlyList<string>? Statuses);

public sealed class HookSubscriptionService
{
    public Task<HookSubscription> SubscribeAsync(string hookEvent, SubscribeCommand command, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <returns>False when the id was unknown (the API still answers 200).</returns>
    public Task<bool> UnsubscribeAsync(string hookEvent, string id, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<IReadOnlyList<HookSubscription>> ListAsync(string hookEvent, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<IReadOnlyList<DeliveryFailure>> ListFailuresAsync(int max, CancellationToken cancellationToken) => throw new NotImplementedException();
}

/// <summary>The rule for callback URLs, checked at subscribe time (the sender checks resolved addresses again at connect time).</summary>
public static class CallbackUrlPolicy
{
    /// <returns>Null when allowed; otherwise why not, in words for a problem detail.</returns>
    public static string? Check(Uri url, bool sandbox) => throw new NotImplementedException();
}
