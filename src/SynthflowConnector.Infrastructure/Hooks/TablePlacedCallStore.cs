using Azure;
using Azure.Data.Tables;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Hooks;

/// <summary>
/// <see cref="IPlacedCallStore"/> on the <c>PlacedCalls</c> table: open calls in partition <c>open</c> (so the sweep's
/// list is one partition query, however many calls have ended), closed ones moved to one of 256 partitions
/// <c>closed-xx</c> by the call id's hash (still read for enrichment; see <see cref="PlacedCallEntity.ClosedPartition"/>).
/// RowKey = the escaped call id.
/// </summary>
internal sealed class TablePlacedCallStore(ConnectorTables tables, TimeProvider timeProvider) : IPlacedCallStore
{
    /// <summary>The table's name; internal so tests can give each test its own table.</summary>
    internal string TableName { get; init; } = HookTables.PlacedCalls;

    public Task AddAsync(PlacedCall placed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(placed);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            await table.UpsertEntityAsync(PlacedCallEntity.From(placed, PlacedCallEntity.Open), TableUpdateMode.Replace, cancellationToken)
                .ConfigureAwait(false);
        });
    }

    public Task<PlacedCall?> GetAsync(string callId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callId);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            // Open first: a webhook's call is almost always still open (one request). Closing copies the row to closed
            // before deleting the open one, so a call not found open is found closed, if it was placed through us.
            var key = HookKeys.Escape(callId);
            var open = await table.GetEntityIfExistsAsync<PlacedCallEntity>(PlacedCallEntity.Open, key, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            if (open.HasValue)
            {
                return open.Value!.ToModel();
            }

            var closed = await table.GetEntityIfExistsAsync<PlacedCallEntity>(PlacedCallEntity.ClosedPartition(key), key, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return closed.HasValue ? closed.Value!.ToModel() : null;
        });
    }

    public Task<IReadOnlyList<PlacedCall>> ListOpenAsync(CancellationToken cancellationToken) =>
        StorageFaults.RunAsync<IReadOnlyList<PlacedCall>>(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {PlacedCallEntity.Open}");
            var calls = new List<PlacedCall>();
            await foreach (var row in table.QueryAsync<PlacedCallEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                calls.Add(row.ToModel());
            }

            return calls;
        });

    public Task CloseAsync(string callId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callId);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            var key = HookKeys.Escape(callId);
            var open = await table.GetEntityIfExistsAsync<PlacedCallEntity>(PlacedCallEntity.Open, key, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            if (!open.HasValue)
            {
                return; // Never placed through us, or closed already.
            }

            // Copy first, then delete: a crash between leaves it open (closed again next time), never lost.
            var row = open.Value!;
            row.PartitionKey = PlacedCallEntity.ClosedPartition(key);
            row.ClosedAt = timeProvider.GetUtcNow();
            await table.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            try
            {
                await table.DeleteEntityAsync(PlacedCallEntity.Open, key, ETag.All, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException exception) when (exception.IsNotFound())
            {
                // Closed concurrently.
            }
        });
    }
}
