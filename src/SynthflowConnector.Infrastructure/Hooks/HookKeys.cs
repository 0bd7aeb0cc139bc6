using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace SynthflowConnector.Hooks;

/// <summary>
/// Turns upstream text (call ids, statuses, subscription ids) into valid table keys, reversibly for everyday values:
/// <c>% / \ # ? $ ~</c> and control characters become <c>%XX</c> (UTF-16 code unit, hex); anything still longer than
/// <see cref="MaxEscapedLength"/> becomes <c>~</c> + SHA-256 (hex). <c>$</c> never survives escaping, so
/// <c>$</c>-prefixed keys are free for the stores' own rows.
/// </summary>
internal static class HookKeys
{
    /// <summary>Well under the service's 1 KiB per key, leaving room to join two escaped values in one key.</summary>
    internal const int MaxEscapedLength = 400;

    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '%' or '/' or '\\' or '#' or '?' or '$' or '~' || char.IsControl(c))
            {
                builder.Append('%').Append(((int)c).ToString(c > 0xFF ? "X4" : "X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Length <= MaxEscapedLength
            ? builder.ToString()
            : "~" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
    }

    /// <summary>True when <paramref name="value"/> can be used as a key as it is (our own generated ids).</summary>
    public static bool IsPlainKey(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= MaxEscapedLength && string.Equals(Escape(value), value, StringComparison.Ordinal);

    /// <summary>Row key that sorts newest first: the ticks left until <see cref="DateTimeOffset.MaxValue"/>, fixed width.</summary>
    public static string NewestFirst(DateTimeOffset at) =>
        (DateTimeOffset.MaxValue.UtcTicks - at.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);
}
