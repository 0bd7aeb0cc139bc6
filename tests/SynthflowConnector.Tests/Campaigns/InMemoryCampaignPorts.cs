using System.Globalization;
using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Tests.Campaigns;

/// <summary>
/// <see cref="ICampaignStore"/> in memory with the table store's rules: every write gets a new ETag, conditional
/// writes fail when the stored ETag differs. <see cref="BeforeNextRecipientUpdate"/> lets a test act in between.
/// </summary>
internal sealed class InMemoryCampaignStore : ICampaignStore
{
    private static readonly RecipientState[] Active = [RecipientState.Pending, RecipientState.Calling, RecipientState.WaitingRetry];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Campaign> _campaigns = new(StringComparer.Ordinal);
    private readonly Dictionary<(string CampaignId, int Index), CampaignRecipient> _recipients = [];
    private int _version;

    public int RecipientWrites { get; private set; }

    public IReadOnlyList<CampaignRecipient> Recipients(string campaignId)
    {
        lock (_gate)
        {
            return [.. _recipients.Values.Where(r => r.CampaignId == campaignId).OrderBy(r => r.Index)];
        }
    }

    public int CampaignCount
    {
        get
        {
            lock (_gate)
            {
                return _campaigns.Count;
            }
        }
    }

    public Task<bool> TryCreateAsync(Campaign campaign, IReadOnlyList<CampaignRecipient> recipients, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_campaigns.ContainsKey(campaign.Id)
                || (campaign.IdempotencyKey is { } key && _campaigns.Values.Any(c => c.IdempotencyKey == key)))
            {
                return Task.FromResult(false);
            }

            foreach (var recipient in recipients)
            {
                _recipients[(campaign.Id, recipient.Index)] = recipient with { ETag = Next() };
            }

            _campaigns[campaign.Id] = campaign with { ETag = Next() };
            return Task.FromResult(true);
        }
    }

    public Task<Campaign?> GetAsync(string campaignId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_campaigns.GetValueOrDefault(campaignId));
        }
    }

    public Task<Campaign?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_campaigns.Values.FirstOrDefault(c => c.IdempotencyKey == idempotencyKey));
        }
    }

    public Task<IReadOnlyList<Campaign>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<Campaign>>([.. _campaigns.Values]);
        }
    }

    public Task<bool> TryUpdateAsync(Campaign campaign, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_campaigns.TryGetValue(campaign.Id, out var stored) || stored.ETag != campaign.ETag)
            {
                return Task.FromResult(false);
            }

            _campaigns[campaign.Id] = campaign with { ETag = Next() };
            return Task.FromResult(true);
        }
    }

    public Task<CampaignRecipient?> GetRecipientAsync(string campaignId, int index, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_recipients.GetValueOrDefault((campaignId, index)));
        }
    }

    public Task<RecipientPage> ListRecipientsAsync(string campaignId, RecipientState? state, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        var from = continuationToken is null ? 0 : int.Parse(continuationToken, CultureInfo.InvariantCulture);
        var matching = Recipients(campaignId).Where(r => r.Index >= from && (state is null || r.State == state)).ToList();
        var page = matching.Take(pageSize).ToList();
        var token = matching.Count > pageSize ? matching[pageSize].Index.ToString(CultureInfo.InvariantCulture) : null;
        return Task.FromResult(new RecipientPage(page, token));
    }

    public Task<IReadOnlyList<CampaignRecipient>> ListDueAsync(string campaignId, DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<CampaignRecipient>>(
            [.. Recipients(campaignId).Where(r => Active.Contains(r.State) && r.NextAttemptAt <= now).Take(max)]);

    public Func<CampaignRecipient, Task>? BeforeNextRecipientUpdate { get; set; }

    public async Task<bool> TryUpdateRecipientAsync(CampaignRecipient recipient, CancellationToken cancellationToken)
    {
        if (BeforeNextRecipientUpdate is { } hook)
        {
            BeforeNextRecipientUpdate = null;
            await hook(recipient);
        }

        lock (_gate)
        {
            var key = (recipient.CampaignId, recipient.Index);
            if (!_recipients.TryGetValue(key, out var stored) || stored.ETag != recipient.ETag)
            {
                return false;
            }

            _recipients[key] = recipient with { ETag = Next() };
            RecipientWrites++;
            return true;
        }
    }

    public Task<CampaignCounts> CountAsync(string campaignId, CancellationToken cancellationToken)
    {
        var all = Recipients(campaignId);
        return Task.FromResult(new CampaignCounts
        {
            Total = all.Count,
            ByState = all.GroupBy(r => r.State).ToDictionary(g => g.Key, g => g.Count()),
            ByOutcome = all.Where(r => r.LastStatus is not null).GroupBy(r => r.LastStatus!).ToDictionary(g => g.Key, g => g.Count()),
            NextAttemptAt = all.Where(r => r.State is RecipientState.Pending or RecipientState.WaitingRetry).Min(r => r.NextAttemptAt),
        });
    }

    public Task<bool> HasActiveRecipientsAsync(string campaignId, CancellationToken cancellationToken) =>
        Task.FromResult(Recipients(campaignId).Any(r => Active.Contains(r.State)));

    public Task<int> CancelRecipientsAsync(string campaignId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var changed = 0;
            foreach (var recipient in _recipients.Values.Where(r => r.CampaignId == campaignId && Active.Contains(r.State)).ToList())
            {
                _recipients[(campaignId, recipient.Index)] = recipient with { State = RecipientState.Canceled, NextAttemptAt = null, ETag = Next() };
                changed++;
            }

            return Task.FromResult(changed);
        }
    }

    private string Next() => (++_version).ToString(CultureInfo.InvariantCulture);
}

internal sealed class InMemorySuppressionStore : ISuppressionStore
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Suppression> _numbers = new(StringComparer.Ordinal);

    public Task AddAsync(Suppression suppression, CancellationToken cancellationToken)
    {
        _numbers[suppression.Phone] = suppression;
        return Task.CompletedTask;
    }

    public Task<bool> RemoveAsync(string phone, CancellationToken cancellationToken) => Task.FromResult(_numbers.TryRemove(phone, out _));

    public Task<Suppression?> GetAsync(string phone, CancellationToken cancellationToken) => Task.FromResult(_numbers.GetValueOrDefault(phone));

    public Task<IReadOnlyList<Suppression>> ListAsync(int max, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Suppression>>([.. _numbers.Values.OrderBy(s => s.Phone, StringComparer.Ordinal).Take(max)]);
}
