using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Calls;
using SynthflowConnector.PhoneNumbers;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// One due recipient's turn. A new attempt is recorded on the recipient (state calling, attempts + 1) BEFORE it is
/// dialled, so a process killed mid-dial leaves a recipient that a later run resumes with the same attempt's key (the
/// ledger then replays, waits, or resolves; it never dials twice). Checked at dial time: the campaign is running (read
/// again right before the dial), the number is not suppressed, the recipient's calling hours are open.
/// </summary>
internal sealed partial class CampaignDialer(
    ICampaignStore campaigns,
    ISuppressionStore suppressions,
    CallService calls,
    IOptions<CampaignsOptions> options,
    TimeProvider timeProvider,
    ILogger logger,
    Hooks.IPlacedCallStore? placedCalls)
{
    private const int MaxRaces = 10;

    /// <summary>Status recorded when Synthflow refused the attempt for good (a 4xx other than 408/429): no call exists.</summary>
    public const string NotPlaced = "not-placed";

    public async Task<DialStep> HandleAsync(string campaignId, CampaignRecipient recipient, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.GetAsync(campaignId, cancellationToken).ConfigureAwait(false);
        if (campaign is not { State: CampaignState.Running })
        {
            return DialStep.Stopped;
        }

        if (recipient.State == RecipientState.Calling && recipient.CallIds.Count >= recipient.Attempts)
        {
            return await LookUpEndAsync(campaign, recipient, cancellationToken).ConfigureAwait(false);
        }

        var now = timeProvider.GetUtcNow();
        if (await suppressions.GetAsync(recipient.Phone, cancellationToken).ConfigureAwait(false) is not null)
        {
            var skipped = recipient with { State = RecipientState.Skipped, SkippedReason = SkippedReasons.Suppressed, NextAttemptAt = null };
            LogSkipped(logger, campaignId, new MaskedPhoneNumber(recipient.Phone));
            return await campaigns.TryUpdateRecipientAsync(skipped, cancellationToken).ConfigureAwait(false) ? DialStep.Skipped : DialStep.None;
        }

        var zone = CampaignNames.Zone(recipient.TimeZoneId);
        if (!campaign.CallingHours.IsOpen(now, zone))
        {
            var later = recipient with { NextAttemptAt = campaign.CallingHours.NextOpening(now, zone) };
            await campaigns.TryUpdateRecipientAsync(later, cancellationToken).ConfigureAwait(false);
            return DialStep.Deferred;
        }

        // Claim the attempt on the recipient first: a new one (attempts + 1), or the resumption of one that was
        // recorded but never got its call id (its process died). Losing the race means another dispatcher has it.
        var claimed = recipient.State == RecipientState.Calling
            ? recipient with { NextAttemptAt = now + options.Value.ResumeAfter }
            : recipient with { State = RecipientState.Calling, Attempts = recipient.Attempts + 1, NextAttemptAt = now + options.Value.ResumeAfter };
        if (!await campaigns.TryUpdateRecipientAsync(claimed, cancellationToken).ConfigureAwait(false))
        {
            return DialStep.None;
        }

        campaign = await campaigns.GetAsync(campaignId, cancellationToken).ConfigureAwait(false);
        if (campaign is not { State: CampaignState.Running })
        {
            if (recipient.State != RecipientState.Calling)
            {
                await FreeAttemptAsync(campaignId, recipient.Index, claimed.Attempts, recipient.NextAttemptAt ?? now, null).ConfigureAwait(false);
            }

            return DialStep.Stopped;
        }

        return await DialAsync(campaign, claimed, cancellationToken).ConfigureAwait(false);
    }

    private async Task<DialStep> DialAsync(Campaign campaign, CampaignRecipient recipient, CancellationToken cancellationToken)
    {
        var key = CampaignNames.AttemptKey(campaign.Id, recipient.Index, recipient.Attempts);
        var now = timeProvider.GetUtcNow();
        MakeCallOutcome outcome;
        try
        {
            outcome = await calls.MakeCallAsync(Command(campaign, recipient), key, cancellationToken).ConfigureAwait(false);
        }
        catch (PacingUnavailableException full)
        {
            await FreeAttemptAsync(campaign.Id, recipient.Index, recipient.Attempts, now + full.RetryAfter, null).ConfigureAwait(false);
            return DialStep.Throttled;
        }
        catch (SynthflowApiException refused)
        {
            // Synthflow answered with an error: no call exists, and make-a-call freed the key.
            LogRefused(logger, campaign.Id, recipient.Index, (int)refused.StatusCode);
            if (refused.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)refused.StatusCode >= 500)
            {
                var retryAt = now + (refused.RetryAfter ?? options.Value.NotPlacedRetryDelay);
                await FreeAttemptAsync(campaign.Id, recipient.Index, recipient.Attempts, retryAt, null).ConfigureAwait(false);
                // A 429 holds the whole account back for its Retry-After (the pacer's record, see CallService): this run
                // goes on at the account's pace after it instead of stopping.
                return DialStep.Deferred;
            }

            await FreeAttemptAsync(campaign.Id, recipient.Index, recipient.Attempts, null, NotPlaced).ConfigureAwait(false);
            return DialStep.Skipped;
        }
        catch (SynthflowTransportException)
        {
            // No answer: the call may exist. The ledger says so; resuming after ResumeAfter looks it up before any dial.
            return DialStep.Deferred;
        }

        if (outcome.Response is { } placed)
        {
            if (placed.IdempotentReplay)
            {
                await EnsureRecordedAsync(campaign, recipient, key, placed).ConfigureAwait(false);
            }

            await BindAsync(campaign.Id, recipient.Index, recipient.Attempts, placed.CallId, cancellationToken).ConfigureAwait(false);
            LogPlaced(logger, campaign.Id, recipient.Index, recipient.Attempts, placed.CallId, placed.IdempotentReplay);
            return placed.IdempotentReplay ? DialStep.None : DialStep.Placed;
        }

        var failure = outcome.Failure!;
        switch (failure.Kind)
        {
            case CallFailureKind.IdempotencyKeyInFlight or CallFailureKind.IdempotencyKeyContended or CallFailureKind.OutcomeUnknown:
                // Another attempt holds the key, or its outcome cannot be learned now: look again later, same key.
                return DialStep.Deferred;
            default:
                // The request cannot be placed as it stands (caller ID, key reuse): nothing was dialled.
                LogNotPlaced(logger, campaign.Id, recipient.Index, failure.Kind.ToString());
                await FreeAttemptAsync(campaign.Id, recipient.Index, recipient.Attempts, null, NotPlaced).ConfigureAwait(false);
                return DialStep.Skipped;
        }
    }

    /// <summary>A placed call's end was not seen within CallEndTimeout: ask Synthflow, and record a final status as its end.</summary>
    private async Task<DialStep> LookUpEndAsync(Campaign campaign, CampaignRecipient recipient, CancellationToken cancellationToken)
    {
        var callId = recipient.CallIds[^1];
        var now = timeProvider.GetUtcNow();
        string? status;
        try
        {
            status = (await calls.GetCallAsync(callId, cancellationToken).ConfigureAwait(false)).Status;
        }
        catch (SynthflowApiException missing) when (missing.IsNotFound)
        {
            status = "failed";
        }
        catch (SynthflowException)
        {
            status = null;
        }

        if (status is null || !Hooks.CallStatuses.IsFinal(status))
        {
            await campaigns.TryUpdateRecipientAsync(recipient with { NextAttemptAt = now + options.Value.ResumeAfter }, cancellationToken).ConfigureAwait(false);
            return DialStep.Deferred;
        }

        var end = new CallEnd(callId, Hooks.CallStatuses.Normalize(status), now);
        await CampaignCallEndedObserver.ApplyAsync(campaigns, campaign, recipient.Index, recipient.Attempts, end, cancellationToken).ConfigureAwait(false);
        return DialStep.None;
    }

    /// <summary>A replayed (adopted) call may never have been recorded for the trigger: record it (best effort; the look-up covers a miss).</summary>
    private async Task EnsureRecordedAsync(Campaign campaign, CampaignRecipient recipient, string key, MakeCallResponse placed)
    {
        if (placedCalls is null)
        {
            return;
        }

        try
        {
            if (await placedCalls.GetAsync(placed.CallId, CancellationToken.None).ConfigureAwait(false) is null)
            {
                await placedCalls.AddAsync(
                    new Hooks.PlacedCall
                    {
                        CallId = placed.CallId,
                        ModelId = campaign.ModelId,
                        PlacedAt = timeProvider.GetUtcNow(),
                        IdempotencyKey = key,
                        ToPhoneNumber = recipient.Phone,
                        FromPhoneNumber = placed.FromPhoneNumber,
                    },
                    CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (StoreUnavailableException error)
        {
            LogNotBound(logger, campaign.Id, recipient.Index, placed.CallId + " (" + error.Message + ")");
        }
    }

    /// <summary>Adds the placed call's id to its attempt; its end is awaited until CallEndTimeout (then looked up).</summary>
    private async Task BindAsync(string campaignId, int index, int attempt, string callId, CancellationToken cancellationToken)
    {
        for (var race = 0; race < MaxRaces; race++)
        {
            var current = await campaigns.GetRecipientAsync(campaignId, index, CancellationToken.None).ConfigureAwait(false);
            if (current is null || current.CallIds.Contains(callId, StringComparer.Ordinal))
            {
                return;
            }

            var bound = current with { CallIds = [.. current.CallIds, callId] };
            if (current.State == RecipientState.Calling && current.Attempts == attempt)
            {
                bound = bound with { NextAttemptAt = timeProvider.GetUtcNow() + options.Value.CallEndTimeout };
            }

            if (await campaigns.TryUpdateRecipientAsync(bound, CancellationToken.None).ConfigureAwait(false))
            {
                return;
            }
        }

        LogNotBound(logger, campaignId, index, callId);
    }

    /// <summary>
    /// No call was placed for this attempt: give it back (attempts − 1) and set the next try, or end the recipient with
    /// <paramref name="finalStatus"/>. Only while the recipient still shows this attempt without a call; never cancelled.
    /// </summary>
    private async Task FreeAttemptAsync(string campaignId, int index, int attempt, DateTimeOffset? retryAt, string? finalStatus)
    {
        for (var race = 0; race < MaxRaces; race++)
        {
            var current = await campaigns.GetRecipientAsync(campaignId, index, CancellationToken.None).ConfigureAwait(false);
            if (current is not { State: RecipientState.Calling } || current.Attempts != attempt || current.CallIds.Count >= attempt)
            {
                return;
            }

            var freed = finalStatus is not null
                ? current with { State = RecipientState.Done, Attempts = attempt - 1, LastStatus = finalStatus, NextAttemptAt = null }
                : current with { State = attempt == 1 ? RecipientState.Pending : RecipientState.WaitingRetry, Attempts = attempt - 1, NextAttemptAt = retryAt };
            if (await campaigns.TryUpdateRecipientAsync(freed, CancellationToken.None).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    private static MakeCallCommand Command(Campaign campaign, CampaignRecipient recipient) => new()
    {
        ModelId = campaign.ModelId,
        Phone = recipient.Phone,
        Name = recipient.Name,
        CallerIdStrategy = campaign.CallerIdStrategy,
        CustomVariables = recipient.CustomVariables,
        LeadTimezone = recipient.TimeZoneId,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId}: {Recipient} is suppressed, skipped")]
    private static partial void LogSkipped(ILogger logger, string campaignId, MaskedPhoneNumber recipient);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} recipient {Index} attempt {Attempt}: call {CallId} (replayed: {Replayed})")]
    private static partial void LogPlaced(ILogger logger, string campaignId, int index, int attempt, string callId, bool replayed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId} recipient {Index}: Synthflow refused the call with HTTP {Status}")]
    private static partial void LogRefused(ILogger logger, string campaignId, int index, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Campaign {CampaignId} recipient {Index}: not placed ({Reason})")]
    private static partial void LogNotPlaced(ILogger logger, string campaignId, int index, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Campaign {CampaignId} recipient {Index}: could not record call {CallId} on it; its end will")]
    private static partial void LogNotBound(ILogger logger, string campaignId, int index, string callId);
}
