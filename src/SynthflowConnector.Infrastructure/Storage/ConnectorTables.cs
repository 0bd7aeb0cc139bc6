using System.Collections.Concurrent;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;

namespace SynthflowConnector.Storage;

/// <summary>
/// Table clients for the app's tables, from <c>AzureWebJobsStorage</c> (connection string or identity-based), each
/// created in storage once per process on first use. A failed creation is retried by the next caller.
/// </summary>
/// <param name="options">Retries, transport and extra pipeline policies (tests count requests with one).</param>
public sealed class ConnectorTables(IConfiguration configuration, TableClientOptions? options = null)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<TableClient>>> _tables = new(StringComparer.OrdinalIgnoreCase);

    // Built on first use, so a missing setting fails the first storage operation (naming the setting), not start-up.
    private readonly Lazy<TableServiceClient> _service = new(() => TableStorageConnection.CreateServiceClient(configuration, options: options));

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
        var client = _service.Value.GetTableClient(tableName);
        await client.CreateIfNotExistsAsync(CancellationToken.None).ConfigureAwait(false);
        return client;
    }
}
