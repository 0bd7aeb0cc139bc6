using System.Security.Cryptography;
using System.Text;

namespace SynthflowConnector.Storage;

/// <summary>
/// A storage account name and key, used to sign requests with Shared Key Lite.
/// Same shape as <c>Azure.Data.Tables.TableSharedKeyCredential</c>. The key is never exposed or printed.
/// </summary>
public sealed class TableSharedKeyCredential
{
    // Kept decoded: the HMAC needs the raw bytes, and base64 text would be easier to leak by accident.
    private volatile byte[] _key;

    /// <summary>Creates a credential.</summary>
    /// <exception cref="ArgumentException">The name is empty or the key is not base64.</exception>
    public TableSharedKeyCredential(string accountName, string accountKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountName);
        AccountName = accountName;
        _key = DecodeKey(accountKey);
    }

    /// <summary>The storage account name.</summary>
    public string AccountName { get; }

    /// <summary>Swaps the key in place (key rotation) without rebuilding clients.</summary>
    public void SetAccountKey(string accountKey) => _key = DecodeKey(accountKey);

    /// <summary>Base64 HMAC-SHA256 of <paramref name="stringToSign"/> under the account key.</summary>
    internal string ComputeSignature(string stringToSign) =>
        Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(stringToSign)));

    /// <inheritdoc />
    public override string ToString() => $"TableSharedKeyCredential {{ AccountName = {AccountName} }}";

    private static byte[] DecodeKey(string accountKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountKey);
        try
        {
            return Convert.FromBase64String(accountKey);
        }
        catch (FormatException)
        {
            // Deliberately no inner exception and no value: both could echo the key into logs.
            throw new ArgumentException("The account key is not valid base64.", nameof(accountKey));
        }
    }
}
