using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;

namespace SynthflowConnector.Storage;

/// <summary>
/// Table clients for the app's tables, from <c>AzureWebJobsStorage</c> (connection string or identity-based), each
/// created in storage once per process on first use. A failed creation is retried by the next caller.
/// </summary>
public sealed class ConnectorTables(IConfiguration configuration, TableClientOptions? options = null)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<TableClient>>> _tables = new(StringComparer.OrdinalIgnoreCase);

    public async Task<TableClient> GetAsync(string tableName, CancellationToken cancellationToken)
    {
        var lazy = _tables.GetOrAdd(tableName, name => new Lazy<Task<TableClient>>(() => CreateAsync(name)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            _tables.TryRemove(new KeyValuePair<string, Lazy<Task<TableClient>>>(tableName, lazy));
            throw;
        }
    }

    private async Task<TableClient> CreateAsync(string tableName)
    {
        var client = TableStorageConnection.CreateTableClient(configuration, tableName, options: options);
        await client.CreateIfNotExistsAsync(CancellationToken.None).ConfigureAwait(false);
        return client;
    }
}
