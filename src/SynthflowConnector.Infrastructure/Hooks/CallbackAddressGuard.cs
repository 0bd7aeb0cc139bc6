using System.Net;
using System.Net.Sockets;

namespace SynthflowConnector.Hooks;

/// <summary>
/// Which resolved addresses a callback may connect to (the connect-time half of the SSRF rule; the subscribe-time half
/// is the core's <c>CallbackUrlPolicy</c>). Refused: loopback (unless allowed: sandbox mode), private (10/8, 172.16/12,
/// 192.168/16, fc00::/7), carrier-grade NAT (100.64/10, which holds some clouds' metadata services), link-local
/// (169.254/16 with 169.254.169.254, fe80::/10), unspecified (0/8, ::), multicast and reserved (224/3, ff00::/8),
/// benchmark (198.18/15) and IETF protocol (192.0.0/24) ranges; IPv4 embedded in IPv6 (mapped, NAT64, 6to4) is judged as IPv4.
/// </summary>
public static class CallbackAddressGuard
{
    /// <returns>Null when allowed; otherwise the kind of address, in words.</returns>
    public static string? Check(IPAddress address, bool allowLoopback)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && EmbeddedIPv4(address) is { } embedded)
        {
            address = embedded;
        }

        if (IPAddress.IsLoopback(address))
        {
            return allowLoopback ? null : "loopback";
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => CheckV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => CheckV6(address),
            _ => "not an IP address",
        };
    }

    private static string? CheckV4(byte[] b) => (b[0], b[1], b[2]) switch
    {
        (0, _, _) => "unspecified",
        (10, _, _) => "private",
        (100, >= 64 and <= 127, _) => "shared (carrier-grade NAT)",
        (127, _, _) => "loopback",
        (169, 254, _) => "link-local (cloud metadata)",
        (172, >= 16 and <= 31, _) => "private",
        (192, 0, 0) => "IETF protocol assignment",
        (192, 168, _) => "private",
        (198, 18 or 19, _) => "benchmarking",
        ( >= 224, _, _) => "multicast or reserved",
        _ => null,
    };

    private static string? CheckV6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any))
        {
            return "unspecified";
        }

        var b = address.GetAddressBytes();
        return b[0] switch
        {
            0xFF => "multicast",
            0xFC or 0xFD => "private (unique local)",
            0xFE when (b[1] & 0xC0) == 0x80 => "link-local",
            0xFE when (b[1] & 0xC0) == 0xC0 => "site-local",
            _ => null,
        };
    }

    /// <summary>The IPv4 address inside an IPv4-mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::a.b.c.d) or 6to4 (2002:aabb:ccdd::) address.</summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        var b = address.GetAddressBytes();
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return new IPAddress(b.AsSpan(12, 4));
        }

        return b[0] == 0x20 && b[1] == 0x02 ? new IPAddress(b.AsSpan(2, 4)) : null;
    }
}
