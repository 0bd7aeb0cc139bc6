using Azure;
using Azure.Data.Tables;
using SynthflowConnector.Hooks;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// <see cref="ICampaignStore"/> on Table storage: campaigns in <c>Campaigns</c> (partition <c>campaigns</c>, plus the
/// Idempotency-Key index in partition <c>idempotency</c>), recipients in <c>CampaignRecipients</c> (partition = campaign
/// id and block of 200, row = index as 5 digits, written 100 to a transaction; see <see cref="RecipientEntity"/>).
/// Every replace is ETag-guarded.
/// </summary>
internal sealed partial class TableCampaignStore(ConnectorTables tables, TimeProvider timeProvider) : ICampaignStore
{
    /// <summary>The most entities one table transaction takes.</summary>
    internal const int BatchSize = 100;

    /// <summary>How long an Idempotency-Key index row without its campaign blocks the key (a create that died half-way).</summary>
    private static readonly TimeSpan AbandonedKeyAfter = TimeSpan.FromMinutes(2);

    /// <summary>The tables' names; internal so tests can give each test its own.</summary>
    internal string CampaignsTable { get; init; } = CampaignTables.Campaigns;

    internal string RecipientsTable { get; init; } = CampaignTables.Recipients;

    public Task<bool> TryCreateAsync(Campaign campaign, IReadOnlyList<CampaignRecipient> recipients, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(recipients);
        RequireId(campaign.Id);
        return StorageFaults.RunAsync(async () =>
        {
            var campaignsTable = await tables.GetAsync(CampaignsTable, cancellationToken).ConfigureAwait(false);
            if (campaign.IdempotencyKey is { } key && !await TryTakeKeyAsync(campaignsTable, key, campaign.Id, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }

            var recipientsTable = await tables.GetAsync(RecipientsTable, cancellationToken).ConfigureAwait(false);
            // A transaction is one partition's: group first (a block of RecipientEntity.PerPartition is whole chunks when indexes run 0..n-1).
            foreach (var batch in recipients.GroupBy(r => RecipientEntity.Partition(r.CampaignId, r.Index), StringComparer.Ordinal).SelectMany(partition => partition.Chunk(BatchSize)))
            {
                var actions = batch.Select(r => new TableTransactionAction(TableTransactionActionType.UpsertReplace, RecipientEntity.From(r with { ETag = null })));
                await recipientsTable.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await campaignsTable.AddEntityAsync(CampaignEntity.From(campaign with { ETag = null }), cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException exception) when (exception.IsAlreadyExists())
            {
                return false;
            }
        });
    }

    public Task<Campaign?> GetAsync(string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        return !HookKeys.IsPlainKey(campaignId)
            ? Task.FromResult<Campaign?>(null)
            : StorageFaults.RunAsync(async () =>
            {
                var table = await tables.GetAsync(CampaignsTable, cancellationToken).ConfigureAwait(false);
                return await ReadAsync(table, campaignId, cancellationToken).ConfigureAwait(false);
            });
    }

    public Task<Campaign?> FindByIdempotencyKeyAsync(string idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(CampaignsTable, cancellationToken).ConfigureAwait(false);
            var index = await table.GetEntityIfExistsAsync<CampaignKeyEntity>(CampaignKeyEntity.Partition, HookKeys.Escape(idempotencyKey), cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return index.HasValue ? await ReadAsync(table, index.Value!.CampaignId, cancellationToken).ConfigureAwait(false) : null;
        });
    }

    public Task<IReadOnlyList<Campaign>> ListAsync(CancellationToken cancellationToken) =>
        StorageFaults.RunAsync<IReadOnlyList<Campaign>>(async () =>
        {
            var table = await tables.GetAsync(CampaignsTable, cancellationToken).ConfigureAwait(false);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {CampaignEntity.Partition}");
            var campaigns = new List<Campaign>();
            await foreach (var row in table.QueryAsync<CampaignEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                campaigns.Add(row.ToModel());
            }

            return campaigns;
        });

    public Task<bool> TryUpdateAsync(Campaign campaign, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        return campaign.ETag is null || !HookKeys.IsPlainKey(campaign.Id)
            ? Task.FromResult(false)
            : StorageFaults.RunAsync(async () =>
            {
                var table = await tables.GetAsync(CampaignsTable, cancellationToken).ConfigureAwait(false);
                return await TryReplaceAsync(table, CampaignEntity.From(campaign), cancellationToken).ConfigureAwait(false);
            });
    }

    /// <summary>Replaces the row if its ETag still matches; false when it moved or is gone.</summary>
    private static async Task<bool> TryReplaceAsync(TableClient table, ITableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException exception) when (exception.IsStale() || exception.IsNotFound())
        {
            return false;
        }
    }

    private static async Task<Campaign?> ReadAsync(TableClient table, string campaignId, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<CampaignEntity>(CampaignEntity.Partition, campaignId, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.ToModel() : null;
    }

    /// <summary>
    /// Inserts the key's index row; when the key is taken by a campaign that exists (or by a create still under way),
    /// false. An index row whose campaign never appeared within <see cref="AbandonedKeyAfter"/> is taken over.
    /// </summary>
    private async Task<bool> TryTakeKeyAsync(TableClient table, string key, string campaignId, CancellationToken cancellationToken)
    {
        var entity = new CampaignKeyEntity { RowKey = HookKeys.Escape(key), CampaignId = campaignId };
        try
        {
            await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException exception) when (exception.IsAlreadyExists())
        {
            var held = await table.GetEntityIfExistsAsync<CampaignKeyEntity>(CampaignKeyEntity.Partition, entity.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!held.HasValue)
            {
                return false;
            }

            var current = held.Value!;
            var abandoned = current.Timestamp is { } written && written < timeProvider.GetUtcNow() - AbandonedKeyAfter
                && await ReadAsync(table, current.CampaignId, cancellationToken).ConfigureAwait(false) is null;
            entity.ETag = current.ETag;
            return abandoned && await TryReplaceAsync(table, entity, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void RequireId(string campaignId)
    {
        if (!HookKeys.IsPlainKey(campaignId))
        {
            throw new ArgumentException("A campaign id must be URL-safe text the store can key on.", nameof(campaignId));
        }
    }
}
