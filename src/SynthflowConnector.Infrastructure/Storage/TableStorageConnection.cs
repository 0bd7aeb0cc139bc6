using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Configuration;

namespace SynthflowConnector.Storage;

/// <summary>
/// Builds a <see cref="TableClient"/> from configuration the way Azure Functions resolves a storage
/// connection, so the app and its bindings agree on one setting (default <c>AzureWebJobsStorage</c>):
/// <list type="number">
/// <item>a connection string in <c>{name}</c> (or <c>ConnectionStrings:{name}</c>);</item>
/// <item>identity-based: <c>{name}__tableServiceUri</c>, or <c>{name}__accountName</c> for
/// <c>https://{accountName}.table.core.windows.net</c>, with <c>{name}__credential=managedidentity</c> /
/// <c>{name}__clientId</c> selecting a managed identity, <c>__tenantId/__clientId/__clientSecret</c> a service
/// principal, and otherwise <see cref="DefaultAzureCredential"/>.</item>
/// </list>
/// (<c>__</c> in environment variables is <c>:</c> in <see cref="IConfiguration"/>.)
/// </summary>
public static class TableStorageConnection
{
    /// <summary>The Functions host's storage setting, used when no name is given.</summary>
    public const string DefaultConnectionName = "AzureWebJobsStorage";

    /// <summary>Creates a client for <paramref name="tableName"/> from the connection named <paramref name="connectionName"/>.</summary>
    /// <exception cref="InvalidOperationException">The connection is not configured in any supported form.</exception>
    public static TableClient CreateTableClient(
        IConfiguration configuration,
        string tableName,
        string connectionName = DefaultConnectionName,
        TableClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);

        string? connectionString = configuration[connectionName] ?? configuration.GetConnectionString(connectionName);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return new TableClient(connectionString, tableName, options);
        }

        IConfigurationSection section = configuration.GetSection(connectionName);
        Uri endpoint = ResolveServiceUri(section)
            ?? throw new InvalidOperationException(
                $"Table storage is not configured: set '{connectionName}' to a connection string, or '{connectionName}__tableServiceUri' "
                + $"(or '{connectionName}__accountName') for an identity-based connection.");
        return new TableClient(endpoint, tableName, CreateCredential(section), options);
    }

    private static Uri? ResolveServiceUri(IConfigurationSection section)
    {
        if (section["tableServiceUri"] is { Length: > 0 } serviceUri)
        {
            return Uri.TryCreate(serviceUri, UriKind.Absolute, out Uri? uri)
                ? uri
                : throw new InvalidOperationException($"'{section.Path}:tableServiceUri' is not an absolute URI.");
        }

        return section["accountName"] is { Length: > 0 } accountName
            ? new Uri($"https://{accountName}.table.core.windows.net")
            : null;
    }

    /// <summary>Follows the Functions identity-based connection properties.</summary>
    internal static TokenCredential CreateCredential(IConfigurationSection section)
    {
        string? credential = section["credential"];
        string? clientId = section["clientId"];
        string? resourceId = section["managedIdentityResourceId"];

        if (string.Equals(credential, "managedidentity", StringComparison.OrdinalIgnoreCase))
        {
            ManagedIdentityId identity = !string.IsNullOrEmpty(clientId) ? ManagedIdentityId.FromUserAssignedClientId(clientId)
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
