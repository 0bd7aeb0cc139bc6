using Azure;
using Azure.Data.Tables;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Hooks;

/// <summary>
/// <see cref="ICallEventStore"/> on the <c>CallEvents</c> table: PartitionKey = call id, RowKey = status (both escaped,
/// see <see cref="HookKeys"/>), the row written insert-only so the first of two duplicate webhooks wins. Large events are
/// split and trimmed as <see cref="CallEventRows"/> says.
/// </summary>
/// <remarks>
/// An event queued with its body (<see cref="CallEventMessage.Claim"/>) is stored by the fan-out, fanned out and with
/// its claim, and has no index row: its queue message is the record of the unfinished work. For an event stored by the
/// receiver and queued by reference, "fanned out" is findable without scanning the table: before an event is inserted,
/// an index row goes into partition <c>$pending</c> of the same table, and it is deleted once the event is marked
/// fanned out. A crash between two steps leaves an index row behind, never an event nobody can find;
/// <see cref="ListNotFannedOutAsync"/> cleans up stale ones.
/// </remarks>
internal sealed class TableCallEventStore(ConnectorTables tables) : ICallEventStore
{
    /// <summary>The table's name; internal so tests can give each test its own table.</summary>
    internal string TableName { get; init; } = HookTables.CallEvents;

    public Task<bool> TryAddAsync(StoredCallEvent stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var entity = CallEventRows.ToEntity(stored);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await TableAsync(cancellationToken).ConfigureAwait(false);
            if (!stored.FannedOut)
            {
                await table.UpsertEntityAsync(CallEventRows.PendingRow(stored.Event), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException exception) when (exception.IsAlreadyExists())
            {
                return false;
            }
        });
    }

    public Task<bool> TryClaimAsync(StoredCallEvent stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentException.ThrowIfNullOrEmpty(stored.Claim, nameof(stored));
        var entity = CallEventRows.ToEntity(stored);
        return StorageFaults.RunAsync(async () =>
        {
            // No index row: the claiming queue message is what finds an unfinished fan-out again, not the sweep.
            var table = await TableAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException exception) when (exception.IsAlreadyExists())
            {
                var row = await ReadAsync(table, stored.Event.CallId, stored.Event.Status, cancellationToken).ConfigureAwait(false);
                return row is not null && string.Equals(row.GetString("Claim"), stored.Claim, StringComparison.Ordinal);
            }
        });
    }

    public Task<StoredCallEvent?> GetAsync(string callId, string status, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callId);
        ArgumentNullException.ThrowIfNull(status);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await TableAsync(cancellationToken).ConfigureAwait(false);
            var row = await ReadAsync(table, callId, status, cancellationToken).ConfigureAwait(false);
            return row is null ? null : CallEventRows.FromEntity(row);
        });
    }

    public Task MarkFannedOutAsync(StoredCallEvent stored, CallEndedEvent enriched, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(enriched);
        return StorageFaults.RunAsync(async () =>
        {
            // The row the fan-out read already has the original body: written back as it is, without reading it again.
            var table = await TableAsync(cancellationToken).ConfigureAwait(false);
            var entity = CallEventRows.ToEntity(new StoredCallEvent { Event = enriched, OriginalBody = stored.OriginalBody, FannedOut = true });
            await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            await DeletePendingAsync(table, CallEventRows.PendingRowKey(enriched.CallId, enriched.Status), cancellationToken).ConfigureAwait(false);
        });
    }

    public Task<bool> AnyForCallAsync(string callId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callId);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await TableAsync(cancellationToken).ConfigureAwait(false);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {CallEventRows.PartitionKey(callId)}");
            await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken).AsPages().ConfigureAwait(false))
            {
                if (page.Values.Count > 0)
                {
                    return true;
                }
            }

            return false;
        });
    }

    public Task<IReadOnlyList<StoredCallEvent>> ListNotFannedOutAsync(DateTimeOffset acceptedBefore, CancellationToken cancellationToken) =>
        StorageFaults.RunAsync<IReadOnlyList<StoredCallEvent>>(async () =>
        {
            var table = await TableAsync(cancellationToken).ConfigureAwait(false);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {CallEventRows.PendingPartition} and AcceptedAt lt {acceptedBefore}");
            var pending = new List<TableEntity>();
            await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                pending.Add(row);
            }

            var events = new List<StoredCallEvent>(pending.Count);
            foreach (var index in pending)
            {
                var row = await ReadAsync(table, index.GetString("CallId") ?? string.Empty, index.GetString("Status") ?? string.Empty, cancellationToken)
                    .ConfigureAwait(false);
                var stored = row is null ? null : CallEventRows.FromEntity(row);
                if (stored is { FannedOut: false })
                {
                    events.Add(stored);
                }
                else
                {
                    // The insert never happened (it failed, or the process died before it), or the fan-out finished but
                    // the index row's deletion did not: either way nothing is left to do for it.
                    await DeletePendingAsync(table, index.RowKey, cancellationToken).ConfigureAwait(false);
                }
            }

            return events;
        });

    private static async Task<TableEntity?> ReadAsync(TableClient table, string callId, string status, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(CallEventRows.PartitionKey(callId), CallEventRows.RowKey(status), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return row.HasValue ? row.Value : null;
    }

    private static async Task DeletePendingAsync(TableClient table, string rowKey, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(CallEventRows.PendingPartition, rowKey, ETag.All, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException exception) when (exception.IsNotFound())
        {
            // Already gone.
        }
    }

    private Task<TableClient> TableAsync(CancellationToken cancellationToken) => tables.GetAsync(TableName, cancellationToken);
}
