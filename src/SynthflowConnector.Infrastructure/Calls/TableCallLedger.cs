using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Calls;

/// <summary><see cref="ICallLedger"/> on Azure Table Storage (<c>Calls__TableName</c>); the entry's version is the row's ETag.</summary>
internal sealed class TableCallLedger(ConnectorTables tables, IOptions<CallsOptions> options) : ICallLedger
{
    public Task<CallLedgerEntry?> TryAddAsync(string idempotencyKey, CallLedgerEntry entry, CancellationToken cancellationToken) =>
        StorageFaults.RunAsync(async () =>
        {
            var table = await TableAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var added = await table.AddEntityAsync(ToEntity(idempotencyKey, entry), cancellationToken).ConfigureAwait(false);
                return entry with { Version = added.Headers.ETag?.ToString() ?? string.Empty };
            }
            catch (RequestFailedException exception) when (exception.IsAlreadyExists())
            {
                return null;
            }
        });

    public Task<CallLedgerEntry?> GetAsync(string idempotencyKey, CancellationToken cancellationToken) =>
        StorageFaults.RunAsync(async () =>
        {
            var table = await TableAsync(cancellationToken).ConfigureAwait(false);
            var (partition, row) = LedgerKeys(idempotencyKey);
            var found = await table.GetEntityIfExistsAsync<CallLedgerEntity>(partition, row, cancellationToken: cancellationToken).ConfigureAwait(false);
            return found.HasValue ? ToEntry(found.Value!) : null;
        });

    public Task<CallLedgerEntry?> TryReplaceAsync(string idempotencyKey, CallLedgerEntry entry, string expectedVersion, CancellationToken cancellationToken) =>
        StorageFaults.RunAsync(async () =>
        {
            var table = await TableAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var updated = await table.UpdateEntityAsync(ToEntity(idempotencyKey, entry), new ETag(expectedVersion), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                return entry with { Version = updated.Headers.ETag?.ToString() ?? string.Empty };
            }
            catch (RequestFailedException exception) when (exception.IsStale() || exception.IsNotFound())
            {
                return null;
            }
        });

    public Task<bool> TryDeleteAsync(string idempotencyKey, string expectedVersion, CancellationToken cancellationToken) =>
        StorageFaults.RunAsync(async () =>
        {
            var table = await TableAsync(cancellationToken).ConfigureAwait(false);
            var (partition, row) = LedgerKeys(idempotencyKey);
            try
            {
                await table.DeleteEntityAsync(partition, row, new ETag(expectedVersion), cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException exception) when (exception.IsStale())
            {
                return false;
            }
        });

    /// <summary>Keys are hashed: any text is a valid key, and table keys stay within the service's character rules.</summary>
    internal static (string Partition, string Row) LedgerKeys(string idempotencyKey)
    {
        var digest = TableKeys.Digest(idempotencyKey);
        return (TableKeys.Bucket("ledger-", digest), digest);
    }

    private Task<TableClient> TableAsync(CancellationToken cancellationToken) => tables.GetAsync(options.Value.TableName, cancellationToken);

    private static CallLedgerEntity ToEntity(string idempotencyKey, CallLedgerEntry entry)
    {
        var (partition, row) = LedgerKeys(idempotencyKey);
        return new CallLedgerEntity
        {
            PartitionKey = partition,
            RowKey = row,
            RequestHash = entry.RequestHash,
            State = entry.State,
            ModelId = entry.ModelId,
            Phone = entry.Phone,
            AttemptStartedAt = entry.AttemptStartedAt,
            LeaseUntil = entry.LeaseUntil,
            ExpiresAt = entry.ExpiresAt,
            CallId = entry.CallId,
            FromPhoneNumber = entry.FromPhoneNumber,
            CallerIdStrategy = entry.CallerIdStrategy,
            CallerIdReason = entry.CallerIdReason,
            Eta = entry.Eta,
        };
    }

    private static CallLedgerEntry ToEntry(CallLedgerEntity entity) => new()
    {
        RequestHash = entity.RequestHash,
        State = entity.State,
        ModelId = entity.ModelId,
        Phone = entity.Phone,
        AttemptStartedAt = entity.AttemptStartedAt,
        LeaseUntil = entity.LeaseUntil,
        ExpiresAt = entity.ExpiresAt,
        CallId = entity.CallId,
        FromPhoneNumber = entity.FromPhoneNumber,
        CallerIdStrategy = entity.CallerIdStrategy,
        CallerIdReason = entity.CallerIdReason,
        Eta = entity.Eta,
        Version = entity.ETag.ToString(),
    };
}
