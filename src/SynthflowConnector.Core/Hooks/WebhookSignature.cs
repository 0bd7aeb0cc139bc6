using System.Security.Cryptography;
using System.Text;

namespace SynthflowConnector.Hooks;

/// <summary>
/// Synthflow's webhook signature: base64(HMAC-SHA256(key = UTF-8 of the secret, message = UTF-8 of the call id)). Only
/// the call id is signed, not the body.
/// </summary>
public static class WebhookSignature
{
    private const int MacBytes = 32;

    public static string Compute(string secret, string callId)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(callId);
        return Convert.ToBase64String(Mac(secret, callId));
    }

    /// <summary>True when <paramref name="signature"/> is the signature of <paramref name="callId"/>; compared in constant time.</summary>
    public static bool Verify(string secret, string callId, string? signature)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(callId);
        if (string.IsNullOrWhiteSpace(signature))
        {
            return false;
        }

        Span<byte> presented = stackalloc byte[MacBytes + 3];
        if (!Convert.TryFromBase64String(signature.Trim(), presented, out var written) || written != MacBytes)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[MacBytes];
        var secretBytes = Encoding.UTF8.GetBytes(secret);
        var message = Encoding.UTF8.GetBytes(callId);
        HMACSHA256.HashData(secretBytes, message, expected);
        CryptographicOperations.ZeroMemory(secretBytes);
        return CryptographicOperations.FixedTimeEquals(expected, presented[..MacBytes]);
    }

    private static byte[] Mac(string secret, string callId)
    {
        var secretBytes = Encoding.UTF8.GetBytes(secret);
        try
        {
            return HMACSHA256.HashData(secretBytes, Encoding.UTF8.GetBytes(callId));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secretBytes);
        }
    }
}

/// <summary>Synthflow's call statuses, as far as the trigger cares: which ones end a call.</summary>
public static class CallStatuses
{
    /// <summary>The documented statuses that end a call (the <c>statuses</c> filter's choices).</summary>
    public static readonly IReadOnlyList<string> Final =
        ["completed", "no-answer", "busy", "failed", "canceled", "user-canceled", "hangup_on_voicemail", "left_voicemail", "spam"];

    /// <summary>The statuses of a call that has not ended. Every other status, known or not, counts as final.</summary>
    public static readonly IReadOnlyList<string> NotFinal = ["pending", "ringing", "in-progress", "paused", "registered"];

    public static bool IsFinal(string? status) =>
        !string.IsNullOrWhiteSpace(status) && !NotFinal.Contains(status.Trim(), StringComparer.OrdinalIgnoreCase);

    /// <summary>The form events are stored and matched in: trimmed, lower case.</summary>
    public static string Normalize(string status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return status.Trim().ToLowerInvariant();
    }
}
