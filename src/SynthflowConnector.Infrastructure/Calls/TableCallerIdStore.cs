using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Calls;

/// <summary><see cref="ICallerIdStore"/> on Azure Table Storage (<c>Calls__TableName</c>): a cursor row per agent, a sticky row per recipient.</summary>
internal sealed class TableCallerIdStore(ConnectorTables tables, IOptions<CallsOptions> options, CallerIdCursorCache cursors) : ICallerIdStore
{
    private const string CursorPartition = "cursor";
    private const int MaxConflictRetries = 50;

    /// <summary>The request fields this store's keys come from (the call action's agent and recipient).</summary>

    public Task<string?> GetStickyAsync(string modelId, string recipient, CancellationToken cancellationToken)
    {
        var (partition, row) = StickyKeys(modelId, recipient);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(options.Value.TableName, cancellationToken).ConfigureAwait(false);
            var remembered = await table.GetEntityIfExistsAsync<StickyCallerIdEntity>(partition, row, cancellationToken: cancellationToken).ConfigureAwait(false);
            return remembered.HasValue ? remembered.Value!.FromPhoneNumber : null;
        });
    }

    public Task SetStickyAsync(string modelId, string recipient, string fromPhoneNumber, CancellationToken cancellationToken)
    {
        var (partition, row) = StickyKeys(modelId, recipient);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(options.Value.TableName, cancellationToken).ConfigureAwait(false);
            await table.UpsertEntityAsync(
                new StickyCallerIdEntity { PartitionKey = partition, RowKey = row, FromPhoneNumber = fromPhoneNumber },
                TableUpdateMode.Replace,
                cancellationToken).ConfigureAwait(false);
        });
    }

    public Task<long> TakeNextPositionAsync(string modelId, CancellationToken cancellationToken)
    {
        TableKeys.Require(modelId, RejectedValue.AgentId);
        return StorageFaults.RunAsync(() => NextAsync(modelId, cancellationToken));
    }

    private static (string Partition, string Row) StickyKeys(string modelId, string recipient) =>
        (TableKeys.Require("sticky-" + modelId, RejectedValue.AgentId), TableKeys.Require(recipient, RejectedValue.Recipient));

    /// <summary>
    /// Takes the agent's next cursor position; optimistic concurrency (ETags) makes concurrent calls take distinct positions.
    /// When this process wrote the cursor last, the update goes straight to the version it wrote (no read first: one
    /// table round trip instead of two); a 412 means someone else moved it, and the read-then-update loop takes over.
    /// </summary>
    private async Task<long> NextAsync(string modelId, CancellationToken cancellationToken)
    {
        var table = await tables.GetAsync(options.Value.TableName, cancellationToken).ConfigureAwait(false);
        if (cursors.TryTake(table.Name, modelId, out var known, out var knownETag))
        {
            try
            {
                var entity = new CallerIdCursorEntity { PartitionKey = CursorPartition, RowKey = modelId, Position = known + 1 };
                var updated = await table.UpdateEntityAsync(entity, knownETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                cursors.Remember(table.Name, modelId, known + 1, updated.Headers.ETag);
                return known;
            }
            catch (RequestFailedException exception) when (exception.IsStale())
            {
                cursors.MarkContended(table.Name, modelId);
            }
            catch (RequestFailedException exception) when (exception.IsNotFound())
            {
                // The cursor row is gone (deleted by hand): the loop below starts it again.
            }
        }

        for (var attempt = 0; attempt < MaxConflictRetries; attempt++)
        {
            var current = await table.GetEntityIfExistsAsync<CallerIdCursorEntity>(CursorPartition, modelId, cancellationToken: cancellationToken).ConfigureAwait(false);
            try
            {
                if (!current.HasValue)
                {
                    var added = await table.AddEntityAsync(new CallerIdCursorEntity { PartitionKey = CursorPartition, RowKey = modelId, Position = 1 }, cancellationToken).ConfigureAwait(false);
                    cursors.Remember(table.Name, modelId, 1, added.Headers.ETag);
                    return 0;
                }

                var entity = current.Value!;
                var position = entity.Position;
                entity.Position = position + 1;
                var updated = await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                cursors.Remember(table.Name, modelId, position + 1, updated.Headers.ETag);
                return position;
            }
            catch (RequestFailedException exception) when (exception.IsStale() || exception.IsAlreadyExists())
            {
                // Another call took this position (or started the cursor first): read again.
            }
        }

        throw new StoreContentionException("The round-robin cursor stayed contended; try again.");
    }
}
