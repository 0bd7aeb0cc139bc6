using SynthflowConnector.Calls;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Campaigns;

// SKELETON shared by the campaign engineers: models. Members may be added; renames must be agreed.

/// <summary>A campaign's life: scheduled (before startAt), running, paused, and two ends.</summary>
public enum CampaignState
{
    Scheduled,
    Running,
    Paused,
    Completed,
    Canceled,
}

/// <summary>A recipient's life within a campaign.</summary>
public enum RecipientState
{
    /// <summary>Not dialled yet (or due for its next attempt: see <see cref="CampaignRecipient.NextAttemptAt"/>).</summary>
    Pending,

    /// <summary>An attempt is placed and its end not seen yet.</summary>
    Calling,

    /// <summary>The last attempt ended in a retryable status; the next one waits for <see cref="CampaignRecipient.NextAttemptAt"/>.</summary>
    WaitingRetry,

    /// <summary>Done: the last attempt's status is final for this campaign (reached, or out of attempts).</summary>
    Done,

    /// <summary>Never dialled (again): suppressed, or no valid time zone; see <see cref="CampaignRecipient.SkippedReason"/>.</summary>
    Skipped,

    /// <summary>The campaign was canceled before this recipient was done.</summary>
    Canceled,
}

public static class SkippedReasons
{
    public const string Suppressed = "suppressed";
    public const string OptedOut = "opted-out";
}

/// <summary>When to call a recipient again. Defaults: one attempt (no retries).</summary>
public sealed record CampaignRetryPolicy
{
    /// <summary>Attempts in all, 1–5.</summary>
    public int MaxAttempts { get; init; } = 1;

    /// <summary>Least time between the end of one attempt and the start of the next.</summary>
    public TimeSpan MinSpacing { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Final statuses that earn another attempt.</summary>
    public IReadOnlyList<string> On { get; init; } = ["no-answer", "busy", "failed"];
}

public sealed record Campaign
{
    /// <summary>Unguessable, URL-safe.</summary>
    public required string Id { get; init; }
    public required string ModelId { get; init; }
    public required string Name { get; init; }
    public required CampaignState State { get; init; }
    public CallerIdStrategy? CallerIdStrategy { get; init; }
    public required CallingHours CallingHours { get; init; }
    public string? DefaultTimezone { get; init; }
    public required CampaignRetryPolicy Retry { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Not before this instant; null for now.</summary>
    public DateTimeOffset? StartAt { get; init; }

    public required int RecipientCount { get; init; }

    /// <summary>The create request's Idempotency-Key and the digest of its body (a replay answers the same campaign).</summary>
    public string? IdempotencyKey { get; init; }
    public string? RequestHash { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>True once the campaign-completed deliveries are queued (a crash before that re-queues them).</summary>
    public bool CompletionQueued { get; init; }

    /// <summary>Optimistic concurrency token of the stored row; null before it is stored.</summary>
    public string? ETag { get; init; }
}

public sealed record CampaignRecipient
{
    public required string CampaignId { get; init; }

    /// <summary>Row index in the create request (after merging duplicates, the first occurrence's index).</summary>
    public required int Index { get; init; }

    /// <summary>E.164.</summary>
    public required string Phone { get; init; }
    public required string Name { get; init; }
    public IReadOnlyList<CustomVariable>? CustomVariables { get; init; }
    public string? LeadTimezone { get; init; }

    /// <summary>The IANA zone the calling hours are read in, resolved at create (lead, number, or campaign default).</summary>
    public required string TimeZoneId { get; init; }

    public required RecipientState State { get; init; }
    public int Attempts { get; init; }
    public IReadOnlyList<string> CallIds { get; init; } = [];
    public string? LastStatus { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public string? SkippedReason { get; init; }
    public string? ETag { get; init; }
}

/// <summary>Recipients by state, and by the last attempt's final status.</summary>
public sealed record CampaignCounts
{
    public required int Total { get; init; }
    public required IReadOnlyDictionary<RecipientState, int> ByState { get; init; }
    public required IReadOnlyDictionary<string, int> ByOutcome { get; init; }

    /// <summary>The earliest <see cref="CampaignRecipient.NextAttemptAt"/> of pending and waiting recipients; null when none waits.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }
}

public sealed record RecipientPage(IReadOnlyList<CampaignRecipient> Items, string? ContinuationToken);

/// <summary>A number nobody may call (do-not-call list).</summary>
public sealed record Suppression
{
    public required string Phone { get; init; }
    public string? Reason { get; init; }
    public required DateTimeOffset AddedAt { get; init; }
}
