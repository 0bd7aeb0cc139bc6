using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Pools;

/// <summary><see cref="IPoolStore"/> on Azure Table Storage (<c>Pools__TableName</c> in <c>AzureWebJobsStorage</c>).</summary>
internal sealed class TablePoolStore(ConnectorTables tables, IOptions<PoolsOptions> options) : IPoolStore
{
    private const int MaxRaces = 8;

    /// <summary>The request fields this store's inputs come from (the pool endpoints' route value and header).</summary>

    /// <summary>Status writers (overlapping reconciles of one agent) retry longer: losing a race is normal for them.</summary>
    private const int MaxStatusRaces = 20;

    /// <summary>Page size of the list query; internal so tests can make pages small.</summary>
    internal int PageSize { get; init; } = 200;

    public Task<PoolRecord?> GetAsync(string modelId, CancellationToken cancellationToken) =>
        StorageFaults.RunAsync(() => GetCoreAsync(Key(modelId), cancellationToken));

    public Task<DesiredPool?> GetDesiredAsync(string modelId, CancellationToken cancellationToken) =>
        StorageFaults.RunAsync(() => GetDesiredCoreAsync(Key(modelId), cancellationToken));

    public IAsyncEnumerable<PoolRecord> ListAsync(CancellationToken cancellationToken) =>
        StorageFaults.RunAsync(ListCoreAsync(cancellationToken), cancellationToken);

    public Task<DesiredPool?> SetDesiredAsync(DesiredPool pool, PoolWriteCondition condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        Key(pool.ModelId);
        return StorageFaults.RunAsync(() => SetDesiredCoreAsync(pool, condition, cancellationToken));
    }

    public Task<PoolDeleteResult> DeleteAsync(string modelId, string? ifMatch, CancellationToken cancellationToken) =>
        StorageFaults.RunAsync(() => DeleteCoreAsync(Key(modelId), ifMatch, cancellationToken));

    public Task<PoolStatus> RecordStatusAsync(string modelId, Func<PoolStatus?, PoolStatus> update, CancellationToken cancellationToken) =>
        StorageFaults.RunAsync(() => RecordStatusCoreAsync(Key(modelId), update, cancellationToken));

    private async Task<PoolRecord?> GetCoreAsync(string modelId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {modelId}");
        DesiredPool? desired = null;
        PoolStatus? status = null;
        await foreach (var row in table.QueryAsync<PoolRowEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            (desired, status) = row.RowKey switch
            {
                PoolRows.Desired => (row.ToDesired(), status),
                PoolRows.Status => (desired, row.ToStatus()),
                _ => (desired, status),
            };
        }

        return desired is null ? null : new PoolRecord(desired, status);
    }

    private async Task<DesiredPool?> GetDesiredCoreAsync(string modelId, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var row = await table.GetEntityIfExistsAsync<PoolDesiredEntity>(modelId, PoolRows.Desired, cancellationToken: cancellationToken).ConfigureAwait(false);
        return row.HasValue ? row.Value!.ToModel() : null;
    }

    private async IAsyncEnumerable<PoolRecord> ListCoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        string? partition = null;
        DesiredPool? desired = null;
        PoolStatus? status = null;
        await foreach (var row in table.QueryAsync<PoolRowEntity>(maxPerPage: PageSize, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!string.Equals(row.PartitionKey, partition, StringComparison.Ordinal))
            {
                if (desired is not null)
                {
                    yield return new PoolRecord(desired, status);
                }

                (partition, desired, status) = (row.PartitionKey, null, null);
            }

            if (row.RowKey == PoolRows.Desired)
            {
                desired = row.ToDesired();
            }
            else if (row.RowKey == PoolRows.Status)
            {
                status = row.ToStatus();
            }
        }

        // A status row without its desired row (the pool was deleted as a run finished) is not a pool.
        if (desired is not null)
        {
            yield return new PoolRecord(desired, status);
        }
    }

    private async Task<DesiredPool?> SetDesiredCoreAsync(DesiredPool pool, PoolWriteCondition condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentNullException.ThrowIfNull(condition);
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        var entity = PoolDesiredEntity.From(pool);
        for (var race = 0; race < MaxRaces; race++)
        {
            try
            {
                switch (condition)
                {
                    case PoolWriteCondition.Matching { Version: var version }:
                        return Stored(await table.UpdateEntityAsync(entity, ToETag(version), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false));

                    case PoolWriteCondition.CreateOnly:
                        return await CreatedAsync(await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);

                    default:
                        try
                        {
                            return await CreatedAsync(await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
                        }
                        catch (RequestFailedException exception) when (exception.IsAlreadyExists())
                        {
                            // It exists: replace it, whatever its version (the caller sent no If-Match).
                            return Stored(await table.UpdateEntityAsync(entity, ETag.All, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false));
                        }
                }
            }
            catch (RequestFailedException exception) when (exception.IsStale() || exception.IsAlreadyExists())
            {
                return null; // Stale If-Match (412), or If-None-Match: * on an existing pool (409).
            }
            catch (RequestFailedException exception) when (exception.IsBadInput() && condition is PoolWriteCondition.Matching)
            {
                throw MalformedVersion(exception);
            }
            catch (RequestFailedException exception) when (exception.IsNotFound())
            {
                if (condition is PoolWriteCondition.Matching)
                {
                    return null; // If-Match on a pool that does not exist.
                }

                // Unconditional write: deleted between our add and our replace. Create it again.
            }
        }

        throw new StoreContentionException($"The pool of {pool.ModelId} kept changing under the write ({MaxRaces} attempts).");

        DesiredPool Stored(Response response) => pool with { Version = response.Headers.ETag?.ToString() ?? string.Empty };

        async Task<DesiredPool> CreatedAsync(Response response)
        {
            // A new pool starts with no history: drop the status a former pool of the same agent may have left.
            await table.DeleteEntityAsync(pool.ModelId, PoolRows.Status, cancellationToken: cancellationToken).ConfigureAwait(false);
            return Stored(response);
        }
    }

    private async Task<PoolDeleteResult> DeleteCoreAsync(string modelId, string? ifMatch, CancellationToken cancellationToken)
    {
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        for (var race = 0; race < MaxRaces; race++)
        {
            var current = await table.GetEntityIfExistsAsync<PoolDesiredEntity>(modelId, PoolRows.Desired, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!current.HasValue)
            {
                // If-Match (even *) asks for an existing pool; without it, deleting nothing is fine (idempotent).
                return ifMatch is null ? PoolDeleteResult.NotFound : PoolDeleteResult.PreconditionFailed;
            }

            try
            {
                await table.DeleteEntityAsync(modelId, PoolRows.Desired, ifMatch is null ? current.Value!.ETag : ToETag(ifMatch), cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException exception) when (exception.IsStale() && ifMatch is null)
            {
                continue; // Changed since our read: read again, so "was managed" stays true to what we deleted.
            }
            catch (RequestFailedException exception) when (exception.IsStale())
            {
                return PoolDeleteResult.PreconditionFailed;
            }
            catch (RequestFailedException exception) when (exception.IsBadInput() && ifMatch is not null)
            {
                throw MalformedVersion(exception);
            }

            await table.DeleteEntityAsync(modelId, PoolRows.Status, cancellationToken: cancellationToken).ConfigureAwait(false);
            return PoolDeleteResult.Deleted;
        }

        throw new StoreContentionException($"The pool of {modelId} kept changing under the delete ({MaxRaces} attempts).");
    }

    private async Task<PoolStatus> RecordStatusCoreAsync(string modelId, Func<PoolStatus?, PoolStatus> update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(update);
        var table = await TableAsync(cancellationToken).ConfigureAwait(false);
        for (var race = 0; race < MaxStatusRaces; race++)
        {
            var current = await table.GetEntityIfExistsAsync<PoolStatusEntity>(modelId, PoolRows.Status, cancellationToken: cancellationToken).ConfigureAwait(false);
            var status = update(current.HasValue ? current.Value!.ToModel() : null);
            var entity = PoolStatusEntity.From(modelId, status);
            try
            {
                if (current.HasValue)
                {
                    await table.UpdateEntityAsync(entity, current.Value!.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                }

                return status;
            }
            catch (RequestFailedException exception) when (exception.IsStale() || exception.IsAlreadyExists())
            {
                // Another reconcile of this agent wrote first: recompute from what it wrote.
            }
            catch (RequestFailedException exception) when (exception.IsNotFound())
            {
                // Deleted between read and update (the pool was deleted): try again, which adds it or finds it gone.
            }

            // Overlapping writers that retry in lockstep collide again: a growing, jittered pause spreads them out.
#pragma warning disable CA5394 // Jitter, not security.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 10 * (race + 1))), cancellationToken).ConfigureAwait(false);
#pragma warning restore CA5394
        }

        throw new StoreContentionException($"The status of {modelId} kept changing under the write ({MaxStatusRaces} attempts).");
    }

    private static ETag ToETag(string version) => version == PoolWriteCondition.AnyVersion ? ETag.All : new ETag(version);

    private static string Key(string modelId) => TableKeys.Require(modelId, RejectedValue.AgentId);

    /// <summary>
    /// Keys are checked before sending and the entity is ours, so a 400 to a write guarded by the caller's version is
    /// the version's: not an ETag at all (a well-formed but unknown one is a 412).
    /// </summary>
    private static StoreRejectedException MalformedVersion(RequestFailedException exception) =>
        new(RejectedValue.Version, $"The version is not an etag of this pool (table storage answered {exception.Status} {exception.ErrorCode}): send the etag the pool was read with, or *.", exception);

    private Task<TableClient> TableAsync(CancellationToken cancellationToken) =>
        tables.GetAsync(options.Value.TableName, cancellationToken);
}
