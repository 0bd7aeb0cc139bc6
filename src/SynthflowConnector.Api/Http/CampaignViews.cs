using System.Globalization;
using SynthflowConnector.Calls;
using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Http;

/// <summary>The names the API reads and writes for campaign and recipient states (lower case, kebab).</summary>
public static class CampaignStateNames
{
    public const string Scheduled = "scheduled";
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Completed = "completed";
    public const string Canceled = "canceled";

    public static string Of(CampaignState state) => state switch
    {
        CampaignState.Scheduled => Scheduled,
        CampaignState.Running => Running,
        CampaignState.Paused => Paused,
        CampaignState.Completed => Completed,
        CampaignState.Canceled => Canceled,
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };
}

public static class RecipientStateNames
{
    public const string Pending = "pending";
    public const string Calling = "calling";
    public const string WaitingRetry = "waiting-retry";
    public const string Done = "done";
    public const string Skipped = "skipped";
    public const string Canceled = "canceled";

    public static IReadOnlyList<string> All { get; } = [Pending, Calling, WaitingRetry, Done, Skipped, Canceled];

    public static string Of(RecipientState state) => state switch
    {
        RecipientState.Pending => Pending,
        RecipientState.Calling => Calling,
        RecipientState.WaitingRetry => WaitingRetry,
        RecipientState.Done => Done,
        RecipientState.Skipped => Skipped,
        RecipientState.Canceled => Canceled,
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    /// <summary>Forgiving: any case, and <c>waiting-retry</c>, <c>waitingRetry</c> or <c>waiting_retry</c>.</summary>
    public static bool TryParse(string? text, out RecipientState state)
    {
        var key = text?.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal);
        foreach (var candidate in Enum.GetValues<RecipientState>())
        {
            if (string.Equals(candidate.ToString(), key, StringComparison.OrdinalIgnoreCase))
            {
                state = candidate;
                return true;
            }
        }

        state = default;
        return false;
    }
}

/// <summary>Core models → the API's contracts.</summary>
public static class CampaignViews
{
    public static CampaignDetails Details(CampaignView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var campaign = view.Campaign;
        return new CampaignDetails
        {
            CampaignId = campaign.Id,
            Name = campaign.Name,
            ModelId = campaign.ModelId,
            State = CampaignStateNames.Of(campaign.State),
            CallerIdStrategy = campaign.CallerIdStrategy?.ToName(),
            CallingHours = new CallingHoursResponse
            {
                Start = campaign.CallingHours.StartText,
                End = campaign.CallingHours.EndText,
                Days = campaign.CallingHours.Days.ToNames(),
            },
            DefaultTimezone = campaign.DefaultTimezone,
            Retry = new CampaignRetryResponse
            {
                MaxAttempts = campaign.Retry.MaxAttempts,
                MinSpacing = campaign.Retry.MinSpacing.ToString("c", CultureInfo.InvariantCulture),
                On = campaign.Retry.On,
            },
            StartAt = campaign.StartAt,
            CreatedAt = campaign.CreatedAt,
            CompletedAt = campaign.CompletedAt,
            NextDispatchAt = view.NextDispatchAt,
            Counts = Counts(view.Counts),
        };
    }

    public static CampaignCountsResponse Counts(CampaignCounts? counts) => new()
    {
        Total = counts?.Total ?? 0,
        ByState = Enum.GetValues<RecipientState>().ToDictionary(
            RecipientStateNames.Of,
            state => counts?.ByState.GetValueOrDefault(state) ?? 0,
            StringComparer.Ordinal),
        ByOutcome = new SortedDictionary<string, int>((IDictionary<string, int>?)counts?.ByOutcome.ToDictionary(StringComparer.Ordinal) ?? new Dictionary<string, int>(), StringComparer.Ordinal),
    };

    public static CampaignRecipientItem Recipient(CampaignRecipient recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return new CampaignRecipientItem
        {
            Index = recipient.Index,
            Phone = recipient.Phone,
            Name = recipient.Name,
            TimeZone = recipient.TimeZoneId,
            State = RecipientStateNames.Of(recipient.State),
            Attempts = recipient.Attempts,
            CallIds = recipient.CallIds,
            LastStatus = recipient.LastStatus,
            NextAttemptAt = recipient.NextAttemptAt,
            SkippedReason = recipient.SkippedReason,
        };
    }

    public static SuppressedNumber Suppressed(Suppression suppression)
    {
        ArgumentNullException.ThrowIfNull(suppression);
        return new SuppressedNumber { Phone = suppression.Phone, Reason = suppression.Reason, AddedAt = suppression.AddedAt };
    }
}
