using Azure;
using Azure.Data.Tables;
using SynthflowConnector.Hooks;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Campaigns;

/// <summary>The recipients' side of <see cref="TableCampaignStore"/>: point reads, pages, the due query, counts, cancel.</summary>
internal sealed partial class TableCampaignStore
{
    private static readonly string[] CountColumns = [nameof(RecipientEntity.State), nameof(RecipientEntity.LastStatus), nameof(RecipientEntity.NextAttemptAt)];

    private static readonly string ActiveFilter =
        $"(State eq '{RecipientState.Pending.ToName()}' or State eq '{RecipientState.Calling.ToName()}' or State eq '{RecipientState.WaitingRetry.ToName()}')";

    public Task<CampaignRecipient?> GetRecipientAsync(string campaignId, int index, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        return !HookKeys.IsPlainKey(campaignId) || index < 0
            ? Task.FromResult<CampaignRecipient?>(null)
            : StorageFaults.RunAsync(async () =>
            {
                var table = await tables.GetAsync(RecipientsTable, cancellationToken).ConfigureAwait(false);
                var row = await table.GetEntityIfExistsAsync<RecipientEntity>(RecipientEntity.Partition(campaignId, index), RecipientEntity.Key(index), cancellationToken: cancellationToken).ConfigureAwait(false);
                return row.HasValue ? row.Value!.ToModel() : null;
            });
    }

    public Task<RecipientPage> ListRecipientsAsync(string campaignId, RecipientState? state, string? continuationToken, int pageSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        RequireId(campaignId);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(RecipientsTable, cancellationToken).ConfigureAwait(false);
            var filter = state is { } only
                ? RecipientEntity.CampaignFilter(campaignId) + " and " + TableClient.CreateQueryFilter($"State eq {only.ToName()}")
                : RecipientEntity.CampaignFilter(campaignId);
            var pages = table.QueryAsync<RecipientEntity>(filter, maxPerPage: pageSize, cancellationToken: cancellationToken)
                .AsPages(string.IsNullOrEmpty(continuationToken) ? null : continuationToken, pageSize);
            await foreach (var page in pages.ConfigureAwait(false))
            {
                return new RecipientPage([.. page.Values.Select(r => r.ToModel())], page.ContinuationToken);
            }

            return new RecipientPage([], null);
        });
    }

    public Task<IReadOnlyList<CampaignRecipient>> ListDueAsync(string campaignId, DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        RequireId(campaignId);
        return StorageFaults.RunAsync<IReadOnlyList<CampaignRecipient>>(async () =>
        {
            var table = await tables.GetAsync(RecipientsTable, cancellationToken).ConfigureAwait(false);

            // Terminal recipients have no NextAttemptAt, so the date test alone skips them; the state test says so too.
            var filter = RecipientEntity.CampaignFilter(campaignId) + " and " + TableClient.CreateQueryFilter($"NextAttemptAt le {now.ToUniversalTime()}") + " and " + ActiveFilter;
            var due = new List<CampaignRecipient>();
            await foreach (var row in table.QueryAsync<RecipientEntity>(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                due.Add(row.ToModel());
                if (due.Count >= max)
                {
                    break;
                }
            }

            return due;
        });
    }

    public Task<bool> TryUpdateRecipientAsync(CampaignRecipient recipient, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        return recipient.ETag is null || !HookKeys.IsPlainKey(recipient.CampaignId)
            ? Task.FromResult(false)
            : StorageFaults.RunAsync(async () =>
            {
                var table = await tables.GetAsync(RecipientsTable, cancellationToken).ConfigureAwait(false);
                return await TryReplaceAsync(table, RecipientEntity.From(recipient), cancellationToken).ConfigureAwait(false);
            });
    }

    /// <summary>One pass over the campaign's partitions reading three columns only.</summary>
    public Task<CampaignCounts> CountAsync(string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        RequireId(campaignId);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(RecipientsTable, cancellationToken).ConfigureAwait(false);
            var byState = new Dictionary<RecipientState, int>();
            var byOutcome = new Dictionary<string, int>(StringComparer.Ordinal);
            DateTimeOffset? next = null;
            var total = 0;
            var filter = RecipientEntity.CampaignFilter(campaignId);
            await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: CountColumns, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                total++;
                var state = CampaignNames.TryParseRecipientState(row.GetString(nameof(RecipientEntity.State)), out var parsed) ? parsed.Value : RecipientState.Pending;
                byState[state] = byState.GetValueOrDefault(state) + 1;
                if (row.GetString(nameof(RecipientEntity.LastStatus)) is { Length: > 0 } status)
                {
                    byOutcome[status] = byOutcome.GetValueOrDefault(status) + 1;
                }

                if (state is RecipientState.Pending or RecipientState.WaitingRetry && row.GetDateTimeOffset(nameof(RecipientEntity.NextAttemptAt)) is { } at && (next is null || at < next))
                {
                    next = at;
                }
            }

            return new CampaignCounts { Total = total, ByState = byState, ByOutcome = byOutcome, NextAttemptAt = next };
        });
    }

    public Task<bool> HasActiveRecipientsAsync(string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        RequireId(campaignId);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(RecipientsTable, cancellationToken).ConfigureAwait(false);
            var filter = RecipientEntity.CampaignFilter(campaignId) + " and " + ActiveFilter;
            await foreach (var _ in table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            return false;
        });
    }

    /// <summary>Active recipients to canceled, 100 to a transaction (ETag-guarded); a batch that lost a race is redone row by row.</summary>
    public Task<int> CancelRecipientsAsync(string campaignId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        RequireId(campaignId);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(RecipientsTable, cancellationToken).ConfigureAwait(false);
            var filter = RecipientEntity.CampaignFilter(campaignId) + " and " + ActiveFilter;
            var active = new List<RecipientEntity>();
            await foreach (var row in table.QueryAsync<RecipientEntity>(filter, maxPerPage: 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                active.Add(row);
            }

            var changed = 0;
            foreach (var batch in active.GroupBy(r => r.PartitionKey, StringComparer.Ordinal).SelectMany(partition => partition.Chunk(BatchSize)))
            {
                var actions = batch.Select(r => new TableTransactionAction(TableTransactionActionType.UpdateReplace, Canceled(r), r.ETag)).ToList();
                try
                {
                    await table.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
                    changed += batch.Length;
                }
                catch (TableTransactionFailedException)
                {
                    foreach (var row in batch)
                    {
                        changed += await CancelOneAsync(table, row.PartitionKey, row.RowKey, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                    }
                }
            }

            return changed;
        });
    }

    private static async Task<bool> CancelOneAsync(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        for (var race = 0; race < 5; race++)
        {
            var row = await table.GetEntityIfExistsAsync<RecipientEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!row.HasValue || !CampaignNames.TryParseRecipientState(row.Value!.State, out var state) || state is not (RecipientState.Pending or RecipientState.Calling or RecipientState.WaitingRetry))
            {
                return false;
            }

            if (await TryReplaceAsync(table, Canceled(row.Value), cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }

        throw new StoreContentionException("A recipient kept changing while the campaign was being canceled; cancel again.");
    }

    private static RecipientEntity Canceled(RecipientEntity row)
    {
        row.State = RecipientState.Canceled.ToName();
        row.NextAttemptAt = null;
        return row;
    }
}
