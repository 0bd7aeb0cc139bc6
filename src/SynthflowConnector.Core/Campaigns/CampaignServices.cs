using SynthflowConnector.Calls;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Campaigns;

// SKELETON (signatures the API codes against; the campaign core engineer fills the bodies and may split files).

public sealed record CampaignRecipientInput(string? Phone, string? Name, IReadOnlyDictionary<string, string?>? CustomVariables, string? LeadTimezone);

public sealed record CallingHoursInput(string? Start, string? End, IReadOnlyList<string>? Days);

public sealed record CampaignRetryInput(int? MaxAttempts, TimeSpan? MinSpacing, IReadOnlyList<string>? On);

/// <summary>A create request as received (the API checks JSON shape; the service checks meaning and names fields like <c>recipients[3].phone</c>).</summary>
public sealed record CreateCampaignCommand
{
    public string? ModelId { get; init; }
    public string? Name { get; init; }
    public IReadOnlyList<CampaignRecipientInput>? Recipients { get; init; }
    public string? CallerIdStrategy { get; init; }
    public CallingHoursInput? CallingHours { get; init; }
    public string? DefaultTimezone { get; init; }
    public CampaignRetryInput? Retry { get; init; }
    public DateTimeOffset? StartAt { get; init; }
}

public sealed record CreateCampaignOutcome(Campaign? Campaign, CampaignCounts? Counts, IReadOnlyList<CampaignFieldError>? Errors, bool Replayed = false, bool KeyConflict = false);

public sealed record CampaignView(Campaign Campaign, CampaignCounts Counts, DateTimeOffset? NextDispatchAt);

public enum CampaignCommandResult
{
    Done,
    NotFound,

    /// <summary>Not allowed from the current state (e.g. resume a completed campaign): 409.</summary>
    Conflict,
}

public sealed class CampaignService
{
    public Task<CreateCampaignOutcome> CreateAsync(CreateCampaignCommand command, string? idempotencyKey, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<CampaignView?> GetAsync(string campaignId, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<IReadOnlyList<CampaignView>> ListAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<RecipientPage?> ListRecipientsAsync(string campaignId, RecipientState? state, string? continuationToken, int pageSize, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Idempotent: pausing a paused campaign is Done.</summary>
    public Task<(CampaignCommandResult Result, CampaignView? View)> PauseAsync(string campaignId, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<(CampaignCommandResult Result, CampaignView? View)> ResumeAsync(string campaignId, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<(CampaignCommandResult Result, CampaignView? View)> CancelAsync(string campaignId, CancellationToken cancellationToken) => throw new NotImplementedException();
}

public sealed record DispatchSummary(int CampaignsSeen, int CallsPlaced, int Skipped, int Throttled);

/// <summary>Places the due attempts of running campaigns at the account's pace. Safe to run on several instances at once.</summary>
public sealed class CampaignDispatcher
{
    /// <summary>Dispatches until nothing is due or <paramref name="budget"/> has passed.</summary>
    public Task<DispatchSummary> RunAsync(TimeSpan budget, CancellationToken cancellationToken) => throw new NotImplementedException();
}

public sealed class SuppressionService
{
    public Task<Suppression> AddAsync(string phone, string? reason, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<int> AddManyAsync(IReadOnlyList<(string Phone, string? Reason)> numbers, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<bool> RemoveAsync(string phone, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<Suppression?> GetAsync(string phone, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<IReadOnlyList<Suppression>> ListAsync(int max, CancellationToken cancellationToken) => throw new NotImplementedException();
}
