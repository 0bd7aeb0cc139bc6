using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace SynthflowConnector.Storage;

/// <summary>
/// Builds a <see cref="TableServiceClient"/> from configuration the way Azure Functions resolves a storage
/// connection, so the app and its bindings agree on one setting (default <c>AzureWebJobsStorage</c>):
/// <list type="number">
/// <item>a connection string in <c>{name}</c> (or <c>ConnectionStrings:{name}</c>), <c>UseDevelopmentStorage=true</c> for Azurite;</item>
/// <item>identity-based: <c>{name}__tableServiceUri</c>, or <c>{name}__accountName</c> for
/// <c>https://{accountName}.table.core.windows.net</c>, with <c>{name}__credential=managedidentity</c> /
/// <c>{name}__clientId</c> selecting a managed identity, <c>__tenantId/__clientId/__clientSecret</c> a service
/// principal, and otherwise <see cref="DefaultAzureCredential"/>.</item>
/// </list>
/// (<c>__</c> in environment variables is <c>:</c> in <see cref="IConfiguration"/>.)
/// </summary>
/// <remarks>
/// Not Microsoft.Extensions.Azure's <c>AddTableServiceClient(section)</c>: it binds keys to constructor parameter names
/// (<c>endpoint</c>, not Functions' <c>tableServiceUri</c> / <c>accountName</c>) and refuses
/// <c>credential=managedidentity</c> without a client id instead of using the system-assigned identity.
/// </remarks>
public static class TableStorageConnection
{
    /// <summary>The Functions host's storage setting, used when no name is given.</summary>
    public const string DefaultConnectionName = "AzureWebJobsStorage";

    /// <summary>
    /// How long one storage request may take before the SDK abandons it and retries (its own default is 100 s). A table
    /// or queue request takes milliseconds; one that hangs (a connection the service stopped answering) would otherwise
    /// hold a webhook's acknowledgement, or a call, for minutes.
    /// </summary>
    public static readonly TimeSpan NetworkTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The SDK's default <see cref="Azure.Core.RetryOptions.NetworkTimeout"/>, which <see cref="NetworkTimeout"/> replaces.</summary>
    private static readonly TimeSpan SdkDefaultNetworkTimeout = TimeSpan.FromSeconds(100);

    /// <summary>
    /// <see cref="NetworkTimeout"/> for a table or queue client whose options left the SDK's default; a caller's own
    /// choice is kept. The one place both builders take it from.
    /// </summary>
    internal static void UseNetworkTimeout(Azure.Core.RetryOptions retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        if (retry.NetworkTimeout == SdkDefaultNetworkTimeout)
        {
            retry.NetworkTimeout = NetworkTimeout;
        }
    }

    /// <summary>Creates a service client from the connection named <paramref name="connectionName"/>.</summary>
    /// <exception cref="InvalidOperationException">The connection is not configured in any supported form; the message names the setting.</exception>
    public static TableServiceClient CreateServiceClient(
        IConfiguration configuration,
        string connectionName = DefaultConnectionName,
        TableClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);
        options ??= new TableClientOptions();
        UseNetworkTimeout(options.Retry);

        var connectionString = configuration[connectionName] ?? configuration.GetConnectionString(connectionName);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return FromConnectionString(connectionString, connectionName, options);
        }

        var section = configuration.GetSection(connectionName);
        var endpoint = StorageEndpoints.ResolveServiceUri(section, connectionName, "table")
            ?? throw new InvalidOperationException(
                $"Table storage is not configured: set '{connectionName}' to a connection string, or '{connectionName}__tableServiceUri' "
                + $"(or '{connectionName}__accountName') for an identity-based connection.");
        return new TableServiceClient(endpoint, CreateCredential(section), options);
    }

    private static TableServiceClient FromConnectionString(string connectionString, string connectionName, TableClientOptions options)
    {
        try
        {
            return new TableServiceClient(connectionString, options);
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException or InvalidOperationException)
        {
            // The SDK's messages can quote parts of the string (keys included): name the setting, never its value.
            throw new InvalidOperationException(
                $"'{connectionName}' is not a valid storage connection string ({exception.GetType().Name}). "
                + "Use the account's connection string, or UseDevelopmentStorage=true for Azurite.");
        }
    }

    /// <summary>Follows the Functions identity-based connection properties.</summary>
    internal static TokenCredential CreateCredential(IConfigurationSection section)
    {
        var credential = section["credential"];
        var clientId = section["clientId"];
        var resourceId = section["managedIdentityResourceId"];

        if (string.Equals(credential, "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            var identity = !string.IsNullOrEmpty(clientId) ? ManagedIdentityId.FromUserAssignedClientId(clientId)
                : !string.IsNullOrEmpty(resourceId) ? ManagedIdentityId.FromUserAssignedResourceId(new ResourceIdentifier(resourceId))
                : ManagedIdentityId.SystemAssigned;
            return new ManagedIdentityCredential(identity);
        }

        if (section["tenantId"] is { Length: > 0 } tenantId && !string.IsNullOrEmpty(clientId) && section["clientSecret"] is { Length: > 0 } secret)
        {
            return new ClientSecretCredential(tenantId, clientId, secret);
        }

        // Locally this picks up the developer's az/VS login; in Azure, the (optionally user-assigned) managed identity.
        var options = new DefaultAzureCredentialOptions();
        if (!string.IsNullOrEmpty(clientId))
        {
            options.ManagedIdentityClientId = clientId;
        }

        return new DefaultAzureCredential(options);
    }
}
