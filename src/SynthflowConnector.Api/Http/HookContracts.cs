using SynthflowConnector.Hooks;

namespace SynthflowConnector.Http;

// The "When a call ends" trigger's public contracts (camelCase), and the receiver's acknowledgement.

/// <summary>Body of <c>POST /api/hooks/call-ended</c>: what Power Platform sends when a flow with the trigger is saved.</summary>
public sealed record SubscribeCallEndedRequest
{
    /// <summary>The flow's notification URL (the platform fills it in).</summary>
    public string? CallbackUrl { get; init; }

    /// <summary>Only calls of this agent.</summary>
    public string? ModelId { get; init; }

    /// <summary>Only these final statuses.</summary>
    public IReadOnlyList<string>? Statuses { get; init; }
}

/// <summary>A subscription as the API shows it. The callback's query string is left out: it carries the notification URL's signature.</summary>
public sealed record CallEndedSubscription
{
    public required string SubscriptionId { get; init; }
    public required string Event { get; init; }

    /// <summary>Scheme, host and path of the callback; never its query.</summary>
    public required string CallbackUrl { get; init; }

    public string? ModelId { get; init; }
    public IReadOnlyList<string>? Statuses { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    public static CallEndedSubscription From(HookSubscription subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        return new CallEndedSubscription
        {
            SubscriptionId = subscription.Id,
            Event = subscription.Event,
            CallbackUrl = subscription.CallbackUrl.GetLeftPart(UriPartial.Path),
            ModelId = subscription.ModelId,
            Statuses = subscription.Statuses is { Count: > 0 } statuses ? statuses : null,
            CreatedAt = subscription.CreatedAt,
        };
    }
}

public sealed record CallEndedSubscriptionList(IReadOnlyList<CallEndedSubscription> Subscriptions);

/// <summary>What <c>DELETE /api/hooks/call-ended/{subscriptionId}</c> answers: 200 also when there was nothing to delete.</summary>
public sealed record CallEndedUnsubscribeResult(string SubscriptionId, bool Deleted);

/// <summary>A delivery that gave up, as the failures list shows it (the callback's host only, never its path or query).</summary>
public sealed record CallEndedDeliveryFailure
{
    public required string FailureId { get; init; }
    public required string CallId { get; init; }
    public required string Status { get; init; }

    /// <summary>The subscription delivered to; absent for a forward to a make-a-call webhook URL.</summary>
    public string? SubscriptionId { get; init; }

    public string? TargetHost { get; init; }
    public required int Attempts { get; init; }
    public int? LastStatusCode { get; init; }
    public required string Reason { get; init; }
    public required DateTimeOffset FirstQueuedAt { get; init; }
    public required DateTimeOffset FailedAt { get; init; }

    public static CallEndedDeliveryFailure From(DeliveryFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return new CallEndedDeliveryFailure
        {
            FailureId = failure.Id,
            CallId = failure.Delivery.CallId,
            Status = failure.Delivery.Status,
            SubscriptionId = failure.Delivery.SubscriptionId,
            TargetHost = failure.TargetHost,
            Attempts = failure.Delivery.Attempt,
            LastStatusCode = failure.LastStatusCode,
            Reason = failure.Reason,
            FirstQueuedAt = failure.Delivery.FirstQueuedAt,
            FailedAt = failure.FailedAt,
        };
    }
}

public sealed record CallEndedDeliveryFailureList(IReadOnlyList<CallEndedDeliveryFailure> Failures);

/// <summary>The receiver's acknowledgement to Synthflow: small, and the same for new, repeated and non-final webhooks.</summary>
public sealed record WebhookReceipt
{
    public bool Received { get; init; } = true;

    /// <summary>True when this (call, status) had been received before: acknowledged, not delivered again.</summary>
    public bool? Duplicate { get; init; }

    /// <summary>True when the status is not final (nothing is delivered for it).</summary>
    public bool? Ignored { get; init; }
}

/// <summary>The final call statuses a subscription can filter on (Synthflow's documented ones; others still reach unfiltered subscriptions).</summary>
public static class CallEndedStatuses
{
    public const string Completed = "completed";
    public const string NoAnswer = "no-answer";
    public const string Busy = "busy";
    public const string Failed = "failed";
    public const string Canceled = "canceled";
    public const string UserCanceled = "user-canceled";
    public const string HangupOnVoicemail = "hangup_on_voicemail";
    public const string LeftVoicemail = "left_voicemail";
    public const string Spam = "spam";

    public static IReadOnlyList<string> All { get; } =
        [Completed, NoAnswer, Busy, Failed, Canceled, UserCanceled, HangupOnVoicemail, LeftVoicemail, Spam];
}
