using System.Globalization;
using Azure.Core;
using Azure.Core.Pipeline;

namespace SynthflowConnector.Storage;

/// <summary>
/// Signs every attempt (it sits after Azure.Core's retry policy, so each retry gets a fresh date) with
/// Shared Key Lite, the scheme the Table service documents for table requests:
/// <c>StringToSign = Date + "\n" + CanonicalizedResource</c>.
/// </summary>
/// <remarks>
/// CanonicalizedResource is <c>/{account}{encoded URL path}</c>, plus <c>?comp=…</c> when present.
/// The path is taken as sent, so a path-style URL (Azurite, <c>http://127.0.0.1:10002/devstoreaccount1/t</c>)
/// yields <c>/devstoreaccount1/devstoreaccount1/t</c>: that is what Azurite and the SDKs compute.
/// </remarks>
internal sealed class TableSharedKeyPipelinePolicy : HttpPipelineSynchronousPolicy
{
    private readonly TableSharedKeyCredential _credential;
    private readonly TimeProvider _timeProvider;

    public TableSharedKeyPipelinePolicy(TableSharedKeyCredential credential)
        : this(credential, TimeProvider.System)
    {
    }

    /// <summary>The clock is injectable so a test can check the signature against a fixed vector.</summary>
    internal TableSharedKeyPipelinePolicy(TableSharedKeyCredential credential, TimeProvider timeProvider)
    {
        _credential = credential ?? throw new ArgumentNullException(nameof(credential));
        _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        string date = _timeProvider.GetUtcNow().ToString("r", CultureInfo.InvariantCulture);
        message.Request.Headers.SetValue(TableConstants.Headers.Date, date);

        string stringToSign = BuildStringToSign(date, _credential.AccountName, message.Request.Uri.ToUri());
        string signature = _credential.ComputeSignature(stringToSign);
        message.Request.Headers.SetValue(HttpHeader.Names.Authorization, $"SharedKeyLite {_credential.AccountName}:{signature}");
    }

    internal static string BuildStringToSign(string date, string accountName, Uri uri) =>
        date + "\n" + BuildCanonicalizedResource(accountName, uri);

    internal static string BuildCanonicalizedResource(string accountName, Uri uri)
    {
        // AbsolutePath keeps the percent-encoding, i.e. it is byte-for-byte the path on the wire.
        string resource = "/" + accountName + uri.AbsolutePath;
        string? comp = FindQueryParameter(uri.Query, "comp");
        return comp is null ? resource : resource + "?comp=" + comp;
    }

    private static string? FindQueryParameter(string query, string name)
    {
        foreach (string pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? pair : pair[..equals];
            if (string.Equals(Uri.UnescapeDataString(key), name, StringComparison.OrdinalIgnoreCase))
            {
                return equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..]);
            }
        }

        return null;
    }
}
