namespace SynthflowConnector.Storage;

/// <summary>Validation and URL escaping of PartitionKey / RowKey values.</summary>
internal static class TableKeys
{
    /// <summary>The service limit is 1 KiB per key; UTF-16 code units are the closest client-side measure.</summary>
    private const int MaxKeyLength = 1024;

    /// <summary>
    /// The service rejects <c>/ \ # ?</c> and control characters in keys (and '/' would be read as a path
    /// separator even when percent-encoded by some front ends), so fail before sending anything.
    /// The value itself is left out of the message: keys here are often phone numbers.
    /// </summary>
    public static void Validate(string? key, string paramName)
    {
        ArgumentNullException.ThrowIfNull(key, paramName);
        if (key.Length > MaxKeyLength)
        {
            throw new ArgumentException($"{paramName} is longer than {MaxKeyLength} characters.", paramName);
        }

        foreach (char c in key)
        {
            if (c is '/' or '\\' or '#' or '?' || char.IsControl(c))
            {
                string shown = char.IsControl(c) ? $"U+{(int)c:X4}" : c.ToString();
                throw new ArgumentException(
                    $"{paramName} contains '{shown}', which the Table service does not allow in keys (/ \\ # ? and control characters).",
                    paramName);
            }
        }
    }

    /// <summary>
    /// The URL segment addressing one entity: quotes doubled (OData string literal), then percent-encoded
    /// so spaces, '%', '+', quotes and non-ASCII survive the trip.
    /// </summary>
    public static string EntityPathSegment(string partitionKey, string rowKey) =>
        $"(PartitionKey='{Escape(partitionKey)}',RowKey='{Escape(rowKey)}')";

    private static string Escape(string key) => Uri.EscapeDataString(key.Replace("'", "''", StringComparison.Ordinal));
}
