using Azure;
using Azure.Data.Tables;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Campaigns;

/// <summary><see cref="ISuppressionStore"/> on the <c>Suppressions</c> table (PartitionKey <c>numbers</c>, RowKey = E.164).</summary>
internal sealed class TableSuppressionStore(ConnectorTables tables) : ISuppressionStore
{
    /// <summary>The table's name; internal so tests can give each test its own table.</summary>
    internal string TableName { get; init; } = CampaignTables.Suppressions;

    public Task AddAsync(Suppression suppression, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(suppression);
        var key = TableKeys.Require(suppression.Phone, RejectedValue.Recipient);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            var entity = new SuppressionEntity { RowKey = key, Reason = suppression.Reason, AddedAt = suppression.AddedAt };
            await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        });
    }

    public Task<bool> RemoveAsync(string phone, CancellationToken cancellationToken)
    {
        var key = TableKeys.Require(phone, RejectedValue.Recipient);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            try
            {
                var response = await table.DeleteEntityAsync(SuppressionEntity.Partition, key, ETag.All, cancellationToken).ConfigureAwait(false);
                return response.Status != 404;
            }
            catch (RequestFailedException exception) when (exception.IsNotFound())
            {
                return false;
            }
        });
    }

    public Task<Suppression?> GetAsync(string phone, CancellationToken cancellationToken)
    {
        var key = TableKeys.Require(phone, RejectedValue.Recipient);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            var row = await table.GetEntityIfExistsAsync<SuppressionEntity>(SuppressionEntity.Partition, key, cancellationToken: cancellationToken).ConfigureAwait(false);
            return row.HasValue ? row.Value!.ToModel() : null;
        });
    }

    public Task<IReadOnlyList<Suppression>> ListAsync(int max, CancellationToken cancellationToken) =>
        StorageFaults.RunAsync<IReadOnlyList<Suppression>>(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {SuppressionEntity.Partition}");
            var numbers = new List<Suppression>();
            await foreach (var row in table.QueryAsync<SuppressionEntity>(filter, maxPerPage: Math.Clamp(max, 1, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                numbers.Add(row.ToModel());
                if (numbers.Count >= max)
                {
                    break;
                }
            }

            return numbers;
        });
}
