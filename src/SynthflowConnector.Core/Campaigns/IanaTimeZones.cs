using System.Diagnostics.CodeAnalysis;
using System.Security;
using System.Text.RegularExpressions;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// IANA time-zone ids (<c>America/New_York</c>) to <see cref="TimeZoneInfo"/>, from the system's tz database
/// (/usr/share/zoneinfo on Linux; .NET needs no ICU for this, so InvariantGlobalization is fine). Only IANA ids are
/// accepted: no Windows ids (they resolve on some hosts and not on others), no host-dependent entries such as
/// <c>localtime</c>, and nothing that looks like a path. Case is forgiven; the zone's canonical spelling is kept.
/// </summary>
public static partial class IanaTimeZones
{
    private const int MaxIdLength = 64;

    private static readonly string[] HostDependent = ["localtime", "posixrules", "Factory"];

    private static readonly string[] ShadowTrees = ["posix/", "right/"];

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+){0,2}$", RegexOptions.CultureInvariant, 100)]
    private static partial Regex IdShape();

    /// <summary>The zone named by <paramref name="id"/>, or false when it is not an IANA id this host knows.</summary>
    public static bool TryFind(string? id, [NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        if (id is null || id.Length > MaxIdLength || !IdShape().IsMatch(id)
            || HostDependent.Any(h => string.Equals(h, id, StringComparison.OrdinalIgnoreCase))
            || ShadowTrees.Any(t => id.StartsWith(t, StringComparison.OrdinalIgnoreCase)))
        {
            return false;
        }

        try
        {
            var found = TimeZoneInfo.FindSystemTimeZoneById(id);
            if (!found.HasIanaId)
            {
                return false;
            }

            zone = found;
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException or SecurityException
                                       or ArgumentException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether two zones keep the same UTC offset at every instant from <paramref name="from"/> on (the same base
    /// offset and the same daylight-saving rules from then). Links such as Europe/Jersey → Europe/London qualify even
    /// where the host's tz data keeps their distinct pre-1970 history.
    /// </summary>
    public static bool SameFutureRules(TimeZoneInfo a, TimeZoneInfo b, DateTimeOffset from)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.BaseUtcOffset != b.BaseUtcOffset)
        {
            return false;
        }

        var day = from.UtcDateTime.Date.AddDays(-1);
        return FutureRules(a, day).SequenceEqual(FutureRules(b, day));
    }

    private static IEnumerable<(DateTime Start, DateTime End, TimeSpan Delta, TimeSpan BaseDelta,
        TimeZoneInfo.TransitionTime Begin, TimeZoneInfo.TransitionTime Finish)> FutureRules(TimeZoneInfo zone, DateTime day) =>
        zone.GetAdjustmentRules()
            .Where(r => r.DateEnd >= day)
            .Select(r => (r.DateStart < day ? day : r.DateStart, r.DateEnd, r.DaylightDelta, r.BaseUtcOffsetDelta,
                r.DaylightTransitionStart, r.DaylightTransitionEnd));
}
