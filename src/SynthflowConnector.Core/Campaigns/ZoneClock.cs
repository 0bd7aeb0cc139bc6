namespace SynthflowConnector.Campaigns;

/// <summary>Wall-clock arithmetic in a time zone that stays exact across daylight-saving changes.</summary>
internal static class ZoneClock
{
    // Every UTC offset in the tz database lies within ±15 h, so [wall − 15 h, wall + 15 h] read as UTC brackets
    // every instant at which a zone's clock can read the given wall time.
    private static readonly TimeSpan Bracket = TimeSpan.FromHours(15);

    /// <summary>The recipient's local date at an instant.</summary>
    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    /// <summary>
    /// The first instant at which the zone's clock reads <paramref name="wall"/> or later: the instant itself for an
    /// ordinary wall time; the earlier one when the clock reads it twice (fall-back overlap); the end of the gap when
    /// the clock skips it (spring-forward), i.e. the first valid instant after it.
    /// </summary>
    public static DateTimeOffset FirstInstantAtOrAfter(DateTime wall, TimeZoneInfo zone)
    {
        wall = DateTime.SpecifyKind(wall, DateTimeKind.Unspecified);
        if (zone.IsAmbiguousTime(wall))
        {
            var largest = zone.GetAmbiguousTimeOffsets(wall).Max();
            return new DateTimeOffset(wall, largest).ToUniversalTime();
        }

        if (!zone.IsInvalidTime(wall))
        {
            return new DateTimeOffset(wall, zone.GetUtcOffset(wall)).ToUniversalTime();
        }

        // In a gap: the clock jumps from before the wall time to after it at one instant (the transition).
        // Binary search for the first instant whose clock reads at least the wall time.
        var asUtc = new DateTimeOffset(wall.Ticks, TimeSpan.Zero);
        var low = (asUtc - Bracket).UtcTicks;
        var high = (asUtc + Bracket).UtcTicks;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (Reads(middle, zone) >= wall)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return new DateTimeOffset(low, TimeSpan.Zero);
    }

    private static DateTime Reads(long utcTicks, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(new DateTimeOffset(utcTicks, TimeSpan.Zero), zone).DateTime;
}
