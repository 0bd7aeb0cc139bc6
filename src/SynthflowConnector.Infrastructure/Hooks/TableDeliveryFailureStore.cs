using Azure.Data.Tables;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Hooks;

/// <summary><see cref="IDeliveryFailureStore"/> on the <c>HookFailures</c> table: one partition, RowKey newest first.</summary>
internal sealed class TableDeliveryFailureStore(ConnectorTables tables) : IDeliveryFailureStore
{
    /// <summary>The table's name; internal so tests can give each test its own table.</summary>
    internal string TableName { get; init; } = HookTables.Failures;

    public Task AddAsync(DeliveryFailure failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            await table.UpsertEntityAsync(DeliveryFailureEntity.From(failure), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        });
    }

    public Task<IReadOnlyList<DeliveryFailure>> ListAsync(int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        return max == 0
            ? Task.FromResult<IReadOnlyList<DeliveryFailure>>([])
            : StorageFaults.RunAsync<IReadOnlyList<DeliveryFailure>>(async () =>
            {
                var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
                var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DeliveryFailureEntity.Partition}");
                var failures = new List<DeliveryFailure>(Math.Min(max, 1000));
                await foreach (var row in table.QueryAsync<DeliveryFailureEntity>(filter, maxPerPage: Math.Min(max, 1000), cancellationToken: cancellationToken)
                    .ConfigureAwait(false))
                {
                    failures.Add(row.ToModel());
                    if (failures.Count == max)
                    {
                        break;
                    }
                }

                return failures;
            });
    }
}
