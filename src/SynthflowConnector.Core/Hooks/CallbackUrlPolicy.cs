using System.Net;
using System.Net.Sockets;

namespace SynthflowConnector.Hooks;

/// <summary>
/// The rule for callback URLs, checked at subscribe time (the sender checks resolved addresses again at connect time,
/// with <see cref="IsBlockedAddress"/>). Live: https only, no <c>localhost</c>, no IP literal in a loopback, private,
/// shared, link-local (metadata), unspecified, multicast or reserved range. Sandbox: loopback is allowed too, over
/// http or https, so a local receiver can be tried.
/// </summary>
public static class CallbackUrlPolicy
{
    /// <summary>Longer URLs are refused (a platform notification URL is a few hundred characters).</summary>
    public const int MaxLength = 4096;

    /// <returns>Null when allowed; otherwise why not, in words for a problem detail.</returns>
    public static string? Check(Uri url, bool sandbox)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri)
        {
            return "The callback URL must be absolute.";
        }

        if (url.OriginalString.Length > MaxLength)
        {
            return $"The callback URL must be at most {MaxLength} characters.";
        }

        if (url.UserInfo.Length > 0)
        {
            return "The callback URL must not carry a user name or password.";
        }

        var https = url.Scheme == Uri.UriSchemeHttps;
        if (!https && url.Scheme != Uri.UriSchemeHttp)
        {
            return "The callback URL must use https.";
        }

        var loopback = IsLoopbackHost(url, out var address);
        if (sandbox && loopback)
        {
            return null;
        }

        if (!https)
        {
            return sandbox
                ? "The callback URL must use https (sandbox mode also allows http to a loopback address)."
                : "The callback URL must use https.";
        }

        if (address is not null && IsBlockedAddress(address))
        {
            return "The callback URL must not point at a loopback, private, link-local, metadata or unspecified address.";
        }

        if (loopback)
        {
            return "The callback URL must not point at localhost.";
        }

        return null;
    }

    /// <summary>True for addresses a live callback must not reach: loopback, private, shared, link-local (cloud metadata), unspecified, multicast, reserved.</summary>
    public static bool IsBlockedAddress(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return IsBlockedAddress(address.MapToIPv4());
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return b[0] is 0 or 10 or 127 or >= 224 // unspecified/this network, private, loopback, multicast and reserved
                || (b[0] == 100 && b[1] is >= 64 and <= 127) // shared address space (carrier-grade NAT)
                || (b[0] == 169 && b[1] == 254) // link-local, cloud metadata (169.254.169.254)
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] == 0); // IETF protocol assignments
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return true;
        }

        Span<byte> v6 = stackalloc byte[16];
        address.TryWriteBytes(v6, out _);
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
            || address.IsIPv6Multicast || (v6[0] & 0xFE) == 0xFC) // unique local fc00::/7, incl. fd00:ec2::254
        {
            return true;
        }

        // IPv4 inside IPv6: NAT64 (64:ff9b::/96), 6to4 (2002::/16) and the deprecated compatible form (::a.b.c.d).
        if (v6[..12].SequenceEqual(Nat64Prefix) || v6[..12].IndexOfAnyExcept((byte)0) < 0)
        {
            return IsBlockedAddress(new IPAddress(v6[12..]));
        }

        return v6[0] == 0x20 && v6[1] == 0x02 && IsBlockedAddress(new IPAddress(v6[2..6]));
    }

    private static ReadOnlySpan<byte> Nat64Prefix => [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>True for <c>localhost</c> names and loopback IP literals; <paramref name="address"/> is the host's IP literal, if it is one.</summary>
    private static bool IsLoopbackHost(Uri url, out IPAddress? address)
    {
        address = url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(url.DnsSafeHost, out var literal)
            ? literal
            : null;
        if (address is not null)
        {
            return IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
        }

        var host = url.IdnHost.TrimEnd('.');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
    }
}
