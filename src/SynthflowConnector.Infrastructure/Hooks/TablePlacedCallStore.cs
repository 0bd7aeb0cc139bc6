using Azure;
using Azure.Data.Tables;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Hooks;

/// <summary>
/// <see cref="IPlacedCallStore"/> on the <c>PlacedCalls</c> table. Each call's record lives in one of 256 partitions
/// <c>call-xx</c> by its id's hash (<see cref="PlacedCallEntity.RecordPartition"/>) and never moves, so reading it is one
/// request whether the call is open, ended or unknown (the fan-out reads it for every webhook). While the call is open a
/// copy sits in partition <c>open</c>, so the sweep's list is one partition query however many calls have ended; closing
/// deletes that copy (one request). RowKey = the escaped call id in both.
/// </summary>
internal sealed class TablePlacedCallStore(ConnectorTables tables) : IPlacedCallStore
{
    /// <summary>The table's name; internal so tests can give each test its own table.</summary>
    internal string TableName { get; init; } = HookTables.PlacedCalls;

    public Task AddAsync(PlacedCall placed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(placed);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            var record = PlacedCallEntity.From(placed, PlacedCallEntity.RecordPartition(HookKeys.Escape(placed.CallId)));
            var open = PlacedCallEntity.From(placed, PlacedCallEntity.Open);

            // Both at once (different partitions, so no transaction): a failure of either throws, and the caller reports it.
            await Task.WhenAll(
                table.UpsertEntityAsync(record, TableUpdateMode.Replace, cancellationToken),
                table.UpsertEntityAsync(open, TableUpdateMode.Replace, cancellationToken)).ConfigureAwait(false);
        });
    }

    public Task<PlacedCall?> GetAsync(string callId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callId);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            var key = HookKeys.Escape(callId);
            var record = await table.GetEntityIfExistsAsync<PlacedCallEntity>(PlacedCallEntity.RecordPartition(key), key, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            return record.HasValue ? record.Value!.ToModel() : null;
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
            try
            {
                await table.DeleteEntityAsync(PlacedCallEntity.Open, HookKeys.Escape(callId), ETag.All, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException exception) when (exception.IsNotFound())
            {
                // Never placed through us, or closed already.
            }
        });
    }
}
