using Azure.Core;

namespace SynthflowConnector.Storage;

/// <summary>
/// Options for <see cref="TableClient"/>. Retries, transport, diagnostics and extra policies
/// (<see cref="ClientOptions.AddPolicy"/>) are Azure.Core's, exactly as for any Azure SDK client.
/// </summary>
public sealed class TableClientOptions : ClientOptions
{
    /// <summary>Creates options with Azure.Core defaults plus Table-specific headers allowed in logs.</summary>
    public TableClientOptions()
    {
        // Azure.Core redacts every header not on this list when logging; these carry no secrets and are
        // what you need to diagnose a Table call. Continuation headers stay redacted: they echo keys.
        Diagnostics.LoggedHeaderNames.Add(TableConstants.Headers.Version);
        Diagnostics.LoggedHeaderNames.Add(TableConstants.Headers.DataServiceVersion);
        Diagnostics.LoggedHeaderNames.Add(TableConstants.Headers.Prefer);
        Diagnostics.LoggedHeaderNames.Add("Preference-Applied");
        Diagnostics.LoggedHeaderNames.Add("x-ms-error-code");
    }
}
