using System.Security.Cryptography;
using System.Text;

namespace SynthflowConnector.Storage;

/// <summary>The Table service's rules for PartitionKey / RowKey values, checked before anything is sent.</summary>
internal static class TableKeys
{
    /// <summary>The service limit is 1 KiB per key; UTF-16 code units are the closest client-side measure.</summary>
    private const int MaxKeyLength = 1024;

    /// <summary>
    /// The service rejects <c>/ \ # ?</c> and control characters in keys, and keys over 1 KiB; a request value that
    /// would be one is the caller's fault, named by <paramref name="value"/>. The value itself is left out of the
    /// message: keys here are often phone numbers.
    /// </summary>
    /// <exception cref="StoreRejectedException">The value cannot be a table key.</exception>
    public static string Require(string key, RejectedValue value)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length > MaxKeyLength)
        {
            throw new StoreRejectedException(value, $"{Describe(value)} is longer than the {MaxKeyLength} characters table storage can hold.");
        }

        foreach (var c in key)
        {
            if (c is '/' or '\\' or '#' or '?' || char.IsControl(c))
            {
                var shown = char.IsControl(c) ? $"U+{(int)c:X4}" : c.ToString();
                throw new StoreRejectedException(
                    value,
                    $"{Describe(value)} contains '{shown}', which table storage does not allow in keys (/ \\ # ? and control characters).");
            }
        }

        return key;
    }

    /// <summary>Lowercase hex SHA-256 of the text's UTF-8 bytes: a fixed-length key of safe characters for any text.</summary>
    public static string Digest(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>
    /// One of 256 partitions: <paramref name="prefix"/> + the first two hex digits of a <see cref="Digest"/>. Spreads
    /// rows that would otherwise pile into one partition (which Azurite scans on every point operation).
    /// </summary>
    public static string Bucket(string prefix, string digest) => prefix + digest[..2];

    private static string Describe(RejectedValue value) => value switch
    {
        RejectedValue.AgentId => "The agent id",
        RejectedValue.Recipient => "The recipient's number",
        _ => "The value",
    };
}
