using System.Net;

namespace SynthflowConnector.Storage;

/// <summary>
/// A parsed storage connection string: where the table service is and how to authenticate.
/// Error messages name the setting at fault but never echo values, which may be keys or signatures.
/// </summary>
internal sealed class TableConnectionString
{
    /// <summary>The fixed, publicly documented emulator account (Azurite / Storage Emulator).</summary>
    internal const string DevelopmentAccountName = "devstoreaccount1";

    internal const string DevelopmentAccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const int DevelopmentTablePort = 10002;

    private TableConnectionString(Uri tableEndpoint, string accountName, TableSharedKeyCredential? sharedKey, string? sas)
    {
        TableEndpoint = tableEndpoint;
        AccountName = accountName;
        SharedKeyCredential = sharedKey;
        SharedAccessSignature = sas;
    }

    public Uri TableEndpoint { get; }

    public string AccountName { get; }

    /// <summary>Set when the string has an account key; otherwise <see cref="SharedAccessSignature"/> is.</summary>
    public TableSharedKeyCredential? SharedKeyCredential { get; }

    /// <summary>The SAS query (without a leading <c>?</c>).</summary>
    public string? SharedAccessSignature { get; }

    /// <exception cref="ArgumentException">The string is null or blank.</exception>
    /// <exception cref="FormatException">A setting is malformed or a required one is missing.</exception>
    public static TableConnectionString Parse(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Dictionary<string, string> settings = Split(connectionString);

        if (settings.TryGetValue("UseDevelopmentStorage", out string? dev) && bool.TryParse(dev, out bool useDev) && useDev)
        {
            return ForDevelopmentStorage(settings);
        }

        Uri endpoint = ResolveEndpoint(settings);
        string? accountName = Get(settings, "AccountName") ?? AccountNameFromEndpoint(endpoint);

        if (Get(settings, "AccountKey") is { } key)
        {
            if (accountName is null)
            {
                throw new FormatException("The storage connection string has 'AccountKey' but no 'AccountName'.");
            }

            return new TableConnectionString(endpoint, accountName, CreateSharedKey(accountName, key), sas: null);
        }

        if (Get(settings, "SharedAccessSignature") is { } sas)
        {
            return new TableConnectionString(endpoint, accountName ?? endpoint.Host, sharedKey: null, sas.TrimStart('?'));
        }

        throw new FormatException(
            "The storage connection string has neither 'AccountKey' nor 'SharedAccessSignature'; one of them is required.");
    }

    private static Dictionary<string, string> Split(string connectionString)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string[] segments = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (int i = 0; i < segments.Length; i++)
        {
            // Split on the first '=' only: base64 keys and SAS tokens contain '=' themselves.
            int equals = segments[i].IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"Segment {i + 1} of the storage connection string is not a 'name=value' pair.");
            }

            string name = segments[i][..equals].Trim();
            if (!settings.TryAdd(name, segments[i][(equals + 1)..].Trim()))
            {
                throw new FormatException($"The storage connection string sets '{name}' more than once.");
            }
        }

        return settings;
    }

    private static string? Get(Dictionary<string, string> settings, string name) =>
        settings.TryGetValue(name, out string? value) && value.Length > 0 ? value : null;

    private static TableConnectionString ForDevelopmentStorage(Dictionary<string, string> settings)
    {
        // An optional proxy replaces scheme and host; the emulator's port and account path stay fixed.
        Uri baseUri = Get(settings, "DevelopmentStorageProxyUri") is { } proxy
            ? ParseHttpUri(proxy, "DevelopmentStorageProxyUri")
            : new Uri("http://127.0.0.1");
        var endpoint = new UriBuilder(baseUri.Scheme, baseUri.Host, DevelopmentTablePort, DevelopmentAccountName).Uri;
        var credential = new TableSharedKeyCredential(DevelopmentAccountName, DevelopmentAccountKey);
        return new TableConnectionString(endpoint, DevelopmentAccountName, credential, sas: null);
    }

    private static Uri ResolveEndpoint(Dictionary<string, string> settings)
    {
        if (Get(settings, "TableEndpoint") is { } explicitEndpoint)
        {
            return ParseHttpUri(explicitEndpoint, "TableEndpoint");
        }

        string accountName = Get(settings, "AccountName")
            ?? throw new FormatException("The storage connection string has neither 'TableEndpoint' nor 'AccountName'.");
        string protocol = Get(settings, "DefaultEndpointsProtocol") ?? Uri.UriSchemeHttps;
        if (!string.Equals(protocol, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(protocol, Uri.UriSchemeHttp, StringComparison.OrdinalIgnoreCase))
        {
            throw new FormatException("'DefaultEndpointsProtocol' in the storage connection string must be 'http' or 'https'.");
        }

        string suffix = Get(settings, "EndpointSuffix") ?? "core.windows.net";
        return ParseHttpUri($"{protocol.ToLowerInvariant()}://{accountName}.table.{suffix}", "AccountName/EndpointSuffix");
    }

    private static Uri ParseHttpUri(string value, string settingName)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out Uri? uri)
            && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            return uri;
        }

        throw new FormatException($"'{settingName}' in the storage connection string is not an absolute http(s) URI.");
    }

    /// <summary>
    /// Path-style endpoints (an IP or localhost, as with Azurite) carry the account as the first path segment;
    /// production endpoints carry it as the first host label.
    /// </summary>
    internal static string? AccountNameFromEndpoint(Uri endpoint)
    {
        if (IPAddress.TryParse(endpoint.Host, out _) || endpoint.IsLoopback)
        {
            string first = endpoint.AbsolutePath.Trim('/').Split('/')[0];
            return first.Length > 0 ? first : null;
        }

        int dot = endpoint.Host.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? endpoint.Host[..dot] : null;
    }

    private static TableSharedKeyCredential CreateSharedKey(string accountName, string key)
    {
        try
        {
            return new TableSharedKeyCredential(accountName, key);
        }
        catch (ArgumentException)
        {
            // Rethrown as a format error of the string; the original carries nothing more useful.
            throw new FormatException("'AccountKey' in the storage connection string is not valid base64.");
        }
    }
}
