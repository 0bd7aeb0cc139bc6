using Azure;
using Azure.Data.Tables;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Hooks;

/// <summary><see cref="IHookSubscriptionStore"/> on the <c>HookSubscriptions</c> table (PartitionKey = event, RowKey = id).</summary>
internal sealed class TableHookSubscriptionStore(ConnectorTables tables) : IHookSubscriptionStore
{
    /// <summary>The table's name; internal so tests can give each test its own table.</summary>
    internal string TableName { get; init; } = HookTables.Subscriptions;

    public Task AddAsync(HookSubscription subscription, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        if (!HookKeys.IsPlainKey(subscription.Id))
        {
            throw new ArgumentException("A subscription id must be URL-safe text the store can key on.", nameof(subscription));
        }

        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            await table.UpsertEntityAsync(HookSubscriptionEntity.From(subscription), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        });
    }

    public Task<bool> DeleteAsync(string hookEvent, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hookEvent);

        // An id we could never have issued is simply unknown.
        return !HookKeys.IsPlainKey(id)
            ? Task.FromResult(false)
            : StorageFaults.RunAsync(async () =>
            {
                var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
                try
                {
                    // The SDK answers a 404 without throwing (older versions threw): both mean "nothing to delete".
                    var response = await table.DeleteEntityAsync(HookKeys.Escape(hookEvent), id, ETag.All, cancellationToken).ConfigureAwait(false);
                    return response.Status != 404;
                }
                catch (RequestFailedException exception) when (exception.IsNotFound())
                {
                    return false;
                }
            });
    }

    public Task<HookSubscription?> GetAsync(string hookEvent, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hookEvent);
        return !HookKeys.IsPlainKey(id)
            ? Task.FromResult<HookSubscription?>(null)
            : StorageFaults.RunAsync(async () =>
            {
                var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
                var row = await table.GetEntityIfExistsAsync<HookSubscriptionEntity>(HookKeys.Escape(hookEvent), id, cancellationToken: cancellationToken)
                    .ConfigureAwait(false);
                return row.HasValue ? row.Value!.ToModel() : null;
            });
    }

    public Task<IReadOnlyList<HookSubscription>> ListAsync(string hookEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hookEvent);
        return StorageFaults.RunAsync<IReadOnlyList<HookSubscription>>(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {HookKeys.Escape(hookEvent)}");
            var subscriptions = new List<HookSubscription>();
            await foreach (var row in table.QueryAsync<HookSubscriptionEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                subscriptions.Add(row.ToModel());
            }

            return subscriptions;
        });
    }
}
