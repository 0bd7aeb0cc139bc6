using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Hooks;
using SynthflowConnector.PhoneNumbers;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// Told of every call end at fan-out: a call placed for a campaign attempt (its make-a-call key starts with
/// <c>campaign-</c>) moves its recipient on: another attempt later (retryable status, attempts left, spaced by the
/// campaign's minSpacing and inside the calling hours), or done. With <c>Campaigns__SuppressOnOptOut</c>, a call
/// whose analysis says the person opted out suppresses the number. Idempotent: a repeated end changes nothing.
/// </summary>
public sealed partial class CampaignCallEndedObserver(
    ICampaignStore campaigns,
    ISuppressionStore suppressions,
    IOptions<CampaignsOptions> options,
    TimeProvider timeProvider,
    ILogger<CampaignCallEndedObserver> logger) : ICallEndedObserver
{
    private const int MaxRaces = 10;

    public async Task OnCallEndedAsync(CallEndedEvent callEnded, PlacedCall? placed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callEnded);
        var key = placed?.IdempotencyKey ?? callEnded.IdempotencyKey;
        if (!CampaignNames.TryParseAttemptKey(key, out var campaignId, out var index, out var attempt))
        {
            return;
        }

        var campaign = await campaigns.GetAsync(campaignId, cancellationToken).ConfigureAwait(false);
        if (campaign is null)
        {
            return;
        }

        var optedOut = options.Value.SuppressOnOptOut && OptedOut(callEnded.Analysis);
        var end = new CallEnd(callEnded.CallId, CallStatuses.Normalize(callEnded.Status), callEnded.EndTime ?? callEnded.ReceivedAt, optedOut);
        var recipient = await ApplyAsync(campaigns, campaign, index, attempt, end, cancellationToken).ConfigureAwait(false);
        if (recipient is null)
        {
            return;
        }

        if (optedOut)
        {
            await suppressions.AddAsync(
                new Suppression { Phone = recipient.Phone, Reason = $"Opted out on call {callEnded.CallId}", AddedAt = timeProvider.GetUtcNow() },
                cancellationToken).ConfigureAwait(false);
            LogOptedOut(logger, campaignId, new MaskedPhoneNumber(recipient.Phone));
        }

        LogEnded(logger, campaignId, index, attempt, end.Status, recipient.State);
    }

    /// <summary>True when the analysis says the person opted out: <c>no_opt_out == false</c> or <c>opted_in == false</c>.</summary>
    internal static bool OptedOut(JsonObject? analysis) =>
        analysis is not null && (IsFalse(analysis["no_opt_out"]) || IsFalse(analysis["opted_in"]));

    /// <summary>Records one attempt's end on its recipient (ETag-guarded, re-read on a race); the recipient after, or null when not found.</summary>
    internal static async Task<CampaignRecipient?> ApplyAsync(ICampaignStore campaigns, Campaign campaign, int index, int attempt, CallEnd end, CancellationToken cancellationToken)
    {
        for (var race = 0; race < MaxRaces; race++)
        {
            var recipient = await campaigns.GetRecipientAsync(campaign.Id, index, cancellationToken).ConfigureAwait(false);
            if (recipient is null)
            {
                return null;
            }

            var next = Next(campaign, recipient, attempt, end);
            if (next is null || await campaigns.TryUpdateRecipientAsync(next, cancellationToken).ConfigureAwait(false))
            {
                return next ?? recipient;
            }
        }

        throw new StoreContentionException("The campaign recipient kept changing while its call's end was recorded; retry.");
    }

    /// <summary>The recipient after this attempt's end, or null when there is nothing to change (a repeated end).</summary>
    internal static CampaignRecipient? Next(Campaign campaign, CampaignRecipient recipient, int attempt, CallEnd end)
    {
        var callIds = recipient.CallIds.Contains(end.CallId, StringComparer.Ordinal) ? recipient.CallIds : [.. recipient.CallIds, end.CallId];
        var withCall = recipient with { CallIds = callIds };
        if (attempt != recipient.Attempts)
        {
            // An earlier attempt's late end (or a later one's, after a crash): keep its call id, decide nothing.
            return ReferenceEquals(callIds, recipient.CallIds) ? null : withCall;
        }

        if (recipient.State != RecipientState.Calling)
        {
            // Already decided (a repeated end), or canceled/skipped meanwhile: record the status the call ended with.
            return ReferenceEquals(callIds, recipient.CallIds) && recipient.LastStatus is not null ? null : withCall with { LastStatus = recipient.LastStatus ?? end.Status };
        }

        if (end.OptedOut)
        {
            return withCall with { State = RecipientState.Done, LastStatus = end.Status, NextAttemptAt = null, SkippedReason = SkippedReasons.OptedOut };
        }

        if (campaign.State == CampaignState.Canceled)
        {
            return withCall with { State = RecipientState.Canceled, LastStatus = end.Status, NextAttemptAt = null };
        }

        if (attempt < campaign.Retry.MaxAttempts && campaign.Retry.On.Contains(end.Status, StringComparer.OrdinalIgnoreCase))
        {
            var next = campaign.CallingHours.NextOpening(end.EndedAt + campaign.Retry.MinSpacing, CampaignNames.Zone(recipient.TimeZoneId));
            return withCall with { State = RecipientState.WaitingRetry, LastStatus = end.Status, NextAttemptAt = next };
        }

        return withCall with { State = RecipientState.Done, LastStatus = end.Status, NextAttemptAt = null };
    }

    private static bool IsFalse(JsonNode? node) => node is JsonValue value && value.GetValueKind() switch
    {
        JsonValueKind.False => true,
        JsonValueKind.String => string.Equals(value.GetValue<string>().Trim(), "false", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} recipient {Index} attempt {Attempt} ended {Status}: now {State}")]
    private static partial void LogEnded(ILogger logger, string campaignId, int index, int attempt, string status, RecipientState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId}: {Recipient} opted out and was added to the suppression list")]
    private static partial void LogOptedOut(ILogger logger, string campaignId, MaskedPhoneNumber recipient);
}

/// <summary>How one attempt's call ended.</summary>
internal sealed record CallEnd(string CallId, string Status, DateTimeOffset EndedAt, bool OptedOut = false);
