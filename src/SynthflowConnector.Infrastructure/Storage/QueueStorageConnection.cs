using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace SynthflowConnector.Storage;

/// <summary>
/// Builds a <see cref="QueueServiceClient"/> from the same connection as <see cref="TableStorageConnection"/> (default
/// <c>AzureWebJobsStorage</c>), the way the Functions QueueTrigger resolves it:
/// <list type="number">
/// <item>a connection string in <c>{name}</c> (or <c>ConnectionStrings:{name}</c>), <c>UseDevelopmentStorage=true</c> for Azurite;</item>
/// <item>identity-based: <c>{name}__queueServiceUri</c>, or <c>{name}__accountName</c> for
/// <c>https://{accountName}.queue.core.windows.net</c>, with the credential settings of <see cref="TableStorageConnection"/>.</item>
/// </list>
/// Messages are base64-encoded (<see cref="QueueMessageEncoding.Base64"/>): what the Functions QueueTrigger reads and writes.
/// </summary>
public static class QueueStorageConnection
{
    /// <exception cref="InvalidOperationException">The connection is not configured in any supported form; the message names the setting.</exception>
    public static QueueServiceClient CreateServiceClient(
        IConfiguration configuration,
        string connectionName = TableStorageConnection.DefaultConnectionName,
        QueueClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);
        options ??= new QueueClientOptions();
        options.MessageEncoding = QueueMessageEncoding.Base64;
        TableStorageConnection.UseNetworkTimeout(options.Retry);

        var connectionString = configuration[connectionName] ?? configuration.GetConnectionString(connectionName);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return FromConnectionString(connectionString, connectionName, options);
        }

        var section = configuration.GetSection(connectionName);
        var endpoint = StorageEndpoints.ResolveServiceUri(section, connectionName, "queue")
            ?? throw new InvalidOperationException(
                $"Queue storage is not configured: set '{connectionName}' to a connection string, or '{connectionName}__queueServiceUri' "
                + $"(or '{connectionName}__accountName') for an identity-based connection.");
        return new QueueServiceClient(endpoint, TableStorageConnection.CreateCredential(section), options);
    }

    private static QueueServiceClient FromConnectionString(string connectionString, string connectionName, QueueClientOptions options)
    {
        try
        {
            return new QueueServiceClient(connectionString, options);
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or InvalidOperationException)
        {
            // The SDK's messages can quote parts of the string (keys included): name the setting, never its value.
            throw new InvalidOperationException(
                $"'{connectionName}' is not a valid storage connection string for queues ({exception.GetType().Name}). "
                + "Use the account's connection string (with a QueueEndpoint when it names endpoints), or UseDevelopmentStorage=true for Azurite.");
        }
    }
}
