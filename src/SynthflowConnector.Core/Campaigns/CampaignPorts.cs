namespace SynthflowConnector.Campaigns;

// SKELETON shared by the campaign engineers: ports (Infrastructure implements them on Table storage; failures are
// the StoreExceptions, never SDK exceptions).

public interface ICampaignStore
{
    /// <summary>
    /// Stores the recipients, then the campaign row (so a half-written create is never visible as a campaign).
    /// Returns false when a campaign with this id already exists.
    /// </summary>
    Task<bool> TryCreateAsync(Campaign campaign, IReadOnlyList<CampaignRecipient> recipients, CancellationToken cancellationToken);

    Task<Campaign?> GetAsync(string campaignId, CancellationToken cancellationToken);

    /// <summary>The campaign created with this Idempotency-Key, if any.</summary>
    Task<Campaign?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken);

    Task<IReadOnlyList<Campaign>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Replaces the row if its ETag still matches; false when someone else changed it first.</summary>
    Task<bool> TryUpdateAsync(Campaign campaign, CancellationToken cancellationToken);

    Task<CampaignRecipient?> GetRecipientAsync(string campaignId, int index, CancellationToken cancellationToken);

    Task<RecipientPage> ListRecipientsAsync(string campaignId, RecipientState? state, string? continuationToken, int pageSize, CancellationToken cancellationToken);

    /// <summary>
    /// Pending, waiting and calling recipients whose <see cref="CampaignRecipient.NextAttemptAt"/> is at or before
    /// <paramref name="now"/> (a calling one is due when its attempt must be resumed or its end looked up); index
    /// order, at most <paramref name="max"/>. Terminal recipients have no NextAttemptAt.
    /// </summary>
    Task<IReadOnlyList<CampaignRecipient>> ListDueAsync(string campaignId, DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>Replaces the recipient if its ETag still matches.</summary>
    Task<bool> TryUpdateRecipientAsync(CampaignRecipient recipient, CancellationToken cancellationToken);

    Task<CampaignCounts> CountAsync(string campaignId, CancellationToken cancellationToken);

    /// <summary>True while any recipient is pending, calling or waiting for a retry (stops at the first one).</summary>
    Task<bool> HasActiveRecipientsAsync(string campaignId, CancellationToken cancellationToken);

    /// <summary>Marks every pending, calling and waiting recipient canceled (idempotent); returns how many changed.</summary>
    Task<int> CancelRecipientsAsync(string campaignId, CancellationToken cancellationToken);
}

public interface ISuppressionStore
{
    /// <summary>Adds or replaces (idempotent).</summary>
    Task AddAsync(Suppression suppression, CancellationToken cancellationToken);

    /// <returns>False when the number was not suppressed.</returns>
    Task<bool> RemoveAsync(string phone, CancellationToken cancellationToken);

    Task<Suppression?> GetAsync(string phone, CancellationToken cancellationToken);

    Task<IReadOnlyList<Suppression>> ListAsync(int max, CancellationToken cancellationToken);
}

/// <summary>
/// The account's shared pacing state: one record every instance reads and replaces with optimistic concurrency, so
/// two Hosts (or a scaled-out Functions app) on one storage account stay within the limits together.
/// </summary>
public interface IAccountPacingStore
{
    /// <summary>The current state and its ETag; an empty state and a null ETag when none is stored yet.</summary>
    Task<(AccountPacingState State, string? ETag)> ReadAsync(CancellationToken cancellationToken);

    /// <summary>Writes if <paramref name="etag"/> still matches (null: only if none exists); false when it lost the race.</summary>
    Task<bool> TryWriteAsync(AccountPacingState state, string? etag, CancellationToken cancellationToken);
}

/// <summary>What the pacer keeps: when the next call may start, and the calls that hold a concurrency slot.</summary>
public sealed record AccountPacingState
{
    /// <summary>The earliest start of the next call (spacing = 1 / CallsPerSecond, with a small safety margin).</summary>
    public DateTimeOffset NextStartAt { get; init; }

    /// <summary>Slot id → the live call holding it.</summary>
    public IReadOnlyDictionary<string, LiveCallSlot> Live { get; init; } = new Dictionary<string, LiveCallSlot>();
}

public sealed record LiveCallSlot
{
    public required DateTimeOffset ReservedAt { get; init; }

    /// <summary>Null until the call is placed.</summary>
    public string? CallId { get; init; }

    /// <summary>When its status was last checked with GET /v2/calls/{id} (a late call-ended event).</summary>
    public DateTimeOffset? CheckedAt { get; init; }
}
