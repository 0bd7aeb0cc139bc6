using Microsoft.Extensions.Configuration;

namespace SynthflowConnector.Storage;

/// <summary>The identity-based endpoint rule the Functions host applies to every storage service of a connection.</summary>
internal static class StorageEndpoints
{
    /// <summary>
    /// <c>{name}__{service}ServiceUri</c>, else <c>https://{accountName}.{service}.core.windows.net</c> from
    /// <c>{name}__accountName</c>; null when neither is set.
    /// </summary>
    /// <param name="service"><c>table</c> or <c>queue</c>.</param>
    public static Uri? ResolveServiceUri(IConfigurationSection section, string connectionName, string service)
    {
        var uriKey = service + "ServiceUri";
        if (section[uriKey] is { Length: > 0 } serviceUri)
        {
            return Uri.TryCreate(serviceUri, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
                ? uri
                : throw new InvalidOperationException($"'{section.Path}:{uriKey}' is not an absolute URI.");
        }

        if (section["accountName"] is not { Length: > 0 } accountName)
        {
            return null;
        }

        // Azure's rule for account names (3-24 lowercase letters and digits), so a typo fails here and not as a DNS error.
        return accountName is { Length: >= 3 and <= 24 } && accountName.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c))
            ? new Uri($"https://{accountName}.{service}.core.windows.net")
            : throw new InvalidOperationException($"'{connectionName}__accountName' must be a storage account name (3 to 24 lowercase letters and digits).");
    }
}
