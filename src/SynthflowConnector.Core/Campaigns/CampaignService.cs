using Microsoft.Extensions.Logging;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// Creates campaigns (validated up front, idempotent with an Idempotency-Key), reads them with their counts, and pauses,
/// resumes and cancels them. Every state change is an ETag-guarded replace, so concurrent commands and dispatchers
/// never undo each other.
/// </summary>
public sealed partial class CampaignService(
    ICampaignStore campaigns,
    RecipientTimeZoneResolver zones,
    TimeProvider timeProvider,
    ILogger<CampaignService> logger)
{
    /// <summary>The largest recipients page.</summary>
    public const int MaxPageSize = 1000;

    private const int MaxRaces = 10;

    public async Task<CreateCampaignOutcome> CreateAsync(CreateCampaignCommand command, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var key = string.IsNullOrWhiteSpace(idempotencyKey) ? null : idempotencyKey.Trim();
        var hash = CampaignRequestReader.Hash(command);
        if (key is not null && await ReplayAsync(key, hash, cancellationToken).ConfigureAwait(false) is { } replay)
        {
            return replay;
        }

        var now = timeProvider.GetUtcNow();
        var read = new CampaignRequestReader(zones).Build(command, CampaignNames.NewCampaignId(), now);
        if (read.Campaign is null || read.Recipients is null)
        {
            return new CreateCampaignOutcome(null, null, read.Errors);
        }

        var campaign = read.Campaign with { IdempotencyKey = key, RequestHash = hash };
        if (!await campaigns.TryCreateAsync(campaign, read.Recipients, cancellationToken).ConfigureAwait(false))
        {
            // Another request with this key got there first (a random id never collides): answer as a replay would.
            return key is not null && await ReplayAsync(key, hash, cancellationToken).ConfigureAwait(false) is { } raced
                ? raced
                : new CreateCampaignOutcome(null, null, null, KeyConflict: true);
        }

        LogCreated(logger, campaign.Id, campaign.RecipientCount, campaign.State);
        var counts = new CampaignCounts
        {
            Total = read.Recipients.Count,
            ByState = new Dictionary<RecipientState, int> { [RecipientState.Pending] = read.Recipients.Count },
            ByOutcome = new Dictionary<string, int>(),
            NextAttemptAt = read.Recipients.Min(r => r.NextAttemptAt),
        };
        var stored = await campaigns.GetAsync(campaign.Id, cancellationToken).ConfigureAwait(false) ?? campaign;
        return new CreateCampaignOutcome(stored, counts, null);
    }

    public async Task<CampaignView?> GetAsync(string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        var campaign = await campaigns.GetAsync(campaignId, cancellationToken).ConfigureAwait(false);
        return campaign is null ? null : await ViewAsync(campaign, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every campaign, newest first, with its counts.</summary>
    public async Task<IReadOnlyList<CampaignView>> ListAsync(CancellationToken cancellationToken)
    {
        var all = await campaigns.ListAsync(cancellationToken).ConfigureAwait(false);
        var views = new List<CampaignView>(all.Count);
        foreach (var campaign in all.OrderByDescending(c => c.CreatedAt))
        {
            views.Add(await ViewAsync(campaign, cancellationToken).ConfigureAwait(false));
        }

        return views;
    }

    /// <returns>Null when the campaign does not exist.</returns>
    public async Task<RecipientPage?> ListRecipientsAsync(string campaignId, RecipientState? state, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        if (await campaigns.GetAsync(campaignId, cancellationToken).ConfigureAwait(false) is null)
        {
            return null;
        }

        var size = Math.Clamp(pageSize, 1, MaxPageSize);
        return await campaigns.ListRecipientsAsync(campaignId, state, continuationToken, size, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Idempotent: pausing a paused campaign is Done; a completed or canceled one is a Conflict.</summary>
    public Task<(CampaignCommandResult Result, CampaignView? View)> PauseAsync(string campaignId, CancellationToken cancellationToken) =>
        ChangeAsync(campaignId, "paused", campaign => campaign.State switch
        {
            CampaignState.Paused => Change.AlreadyDone,
            CampaignState.Running or CampaignState.Scheduled => Change.To(campaign with { State = CampaignState.Paused }),
            _ => Change.Refused,
        }, cancellationToken);

    /// <summary>Idempotent: resuming a running (or scheduled) campaign is Done; a completed or canceled one is a Conflict.</summary>
    public Task<(CampaignCommandResult Result, CampaignView? View)> ResumeAsync(string campaignId, CancellationToken cancellationToken) =>
        ChangeAsync(campaignId, "resumed", campaign => campaign.State switch
        {
            CampaignState.Running or CampaignState.Scheduled => Change.AlreadyDone,
            CampaignState.Paused => Change.To(campaign with
            {
                State = campaign.StartAt is { } startAt && startAt > timeProvider.GetUtcNow() ? CampaignState.Scheduled : CampaignState.Running,
            }),
            _ => Change.Refused,
        }, cancellationToken);

    /// <summary>
    /// Idempotent: the campaign stops dialling at once, and every recipient not done yet is marked canceled (a call in
    /// progress still ends and its status is recorded). Canceling a completed campaign is a Conflict.
    /// </summary>
    public async Task<(CampaignCommandResult Result, CampaignView? View)> CancelAsync(string campaignId, CancellationToken cancellationToken)
    {
        var (result, view) = await ChangeAsync(campaignId, "canceled", campaign => campaign.State switch
        {
            CampaignState.Canceled => Change.AlreadyDone,
            CampaignState.Completed => Change.Refused,
            _ => Change.To(campaign with { State = CampaignState.Canceled }),
        }, cancellationToken).ConfigureAwait(false);
        if (result != CampaignCommandResult.Done)
        {
            return (result, view);
        }

        // Also when already canceled: finishes a cancel whose process died between the two steps.
        var changed = await campaigns.CancelRecipientsAsync(campaignId, cancellationToken).ConfigureAwait(false);
        if (changed > 0)
        {
            LogRecipientsCanceled(logger, campaignId, changed);
            view = await GetAsync(campaignId, cancellationToken).ConfigureAwait(false);
        }

        return (result, view);
    }

    internal static DateTimeOffset? NextDispatchAt(Campaign campaign, CampaignCounts counts) =>
        campaign.State is CampaignState.Running or CampaignState.Scheduled && counts.NextAttemptAt is { } next
            ? campaign.StartAt is { } startAt && startAt > next ? startAt : next
            : null;

    private async Task<CampaignView> ViewAsync(Campaign campaign, CancellationToken cancellationToken)
    {
        var counts = await campaigns.CountAsync(campaign.Id, cancellationToken).ConfigureAwait(false);
        return new CampaignView(campaign, counts, NextDispatchAt(campaign, counts));
    }

    private async Task<CreateCampaignOutcome?> ReplayAsync(string key, string hash, CancellationToken cancellationToken)
    {
        var existing = await campaigns.FindByIdempotencyKeyAsync(key, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            return null;
        }

        if (!string.Equals(existing.RequestHash, hash, StringComparison.Ordinal))
        {
            return new CreateCampaignOutcome(null, null, null, KeyConflict: true);
        }

        var counts = await campaigns.CountAsync(existing.Id, cancellationToken).ConfigureAwait(false);
        return new CreateCampaignOutcome(existing, counts, null, Replayed: true);
    }

    private async Task<(CampaignCommandResult Result, CampaignView? View)> ChangeAsync(string campaignId, string verb, Func<Campaign, Change> decide, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        for (var race = 0; race < MaxRaces; race++)
        {
            var campaign = await campaigns.GetAsync(campaignId, cancellationToken).ConfigureAwait(false);
            if (campaign is null)
            {
                return (CampaignCommandResult.NotFound, null);
            }

            var change = decide(campaign);
            if (change.Next is null)
            {
                var result = change.Allowed ? CampaignCommandResult.Done : CampaignCommandResult.Conflict;
                return (result, await ViewAsync(campaign, cancellationToken).ConfigureAwait(false));
            }

            if (await campaigns.TryUpdateAsync(change.Next, cancellationToken).ConfigureAwait(false))
            {
                LogChanged(logger, campaignId, verb);
                var stored = await campaigns.GetAsync(campaignId, cancellationToken).ConfigureAwait(false) ?? change.Next;
                return (CampaignCommandResult.Done, await ViewAsync(stored, cancellationToken).ConfigureAwait(false));
            }
        }

        throw new StoreContentionException($"The campaign kept changing while it was being {verb}; retry.");
    }

    private sealed record Change(Campaign? Next, bool Allowed)
    {
        public static Change AlreadyDone { get; } = new(null, true);

        public static Change Refused { get; } = new(null, false);

        public static Change To(Campaign next) => new(next, true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} created with {Recipients} recipients ({State})")]
    private static partial void LogCreated(ILogger logger, string campaignId, int recipients, CampaignState state);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId} {Verb}")]
    private static partial void LogChanged(ILogger logger, string campaignId, string verb);

    [LoggerMessage(Level = LogLevel.Information, Message = "Campaign {CampaignId}: {Count} recipients marked canceled")]
    private static partial void LogRecipientsCanceled(ILogger logger, string campaignId, int count);
}
