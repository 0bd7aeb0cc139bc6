using System.Collections.Concurrent;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace SynthflowConnector.Storage;

/// <summary>
/// Queue clients for the app's queues, from <c>AzureWebJobsStorage</c> (connection string or identity-based), each
/// created in storage once per process on first use (like <see cref="ConnectorTables"/>). A failed creation is retried
/// by the next caller. Messages are base64-encoded, as the Functions QueueTrigger expects.
/// </summary>
/// <param name="options">Retries, transport and extra pipeline policies; the message encoding is always base64.</param>
public sealed class ConnectorQueues(IConfiguration configuration, QueueClientOptions? options = null)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<QueueClient>>> _queues = new(StringComparer.Ordinal);

    // Built on first use, so a missing setting fails the first queue operation (naming the setting), not start-up.
    private readonly Lazy<QueueServiceClient> _service = new(() => QueueStorageConnection.CreateServiceClient(configuration, options: options));

    public async Task<QueueClient> GetAsync(string queueName, CancellationToken cancellationToken)
    {
        var lazy = _queues.GetOrAdd(queueName, name => new Lazy<Task<QueueClient>>(() => CreateAsync(name)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            _queues.TryRemove(new KeyValuePair<string, Lazy<Task<QueueClient>>>(queueName, lazy));
            throw;
        }
    }

    private async Task<QueueClient> CreateAsync(string queueName)
    {
        var client = _service.Value.GetQueueClient(queueName);
        await client.CreateIfNotExistsAsync(cancellationToken: CancellationToken.None).ConfigureAwait(false);
        return client;
    }
}
