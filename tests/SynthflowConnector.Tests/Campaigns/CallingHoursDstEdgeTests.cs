using SynthflowConnector.Campaigns;
using static SynthflowConnector.Tests.Campaigns.CallingHoursTimeZoneTests;

namespace SynthflowConnector.Tests.Campaigns;

/// <summary>Windows that touch the skipped or repeated hour, and zones with 30- and 45-minute offsets.</summary>
public sealed class CallingHoursDstEdgeTests
{
    private static TimeZoneInfo Zone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id);

    private static CallingHours Daily(int startHour, int startMinute, int endHour, int endMinute) =>
        CallingHours.Create(new TimeOnly(startHour, startMinute), new TimeOnly(endHour, endMinute), CallingDays.Every);

    [Fact]
    public void A_start_in_the_new_york_spring_gap_opens_at_the_first_valid_instant_after_it()
    {
        var hours = Daily(2, 30, 4, 0); // 02:30 does not exist on 8 March 2026: 02:00 EST → 03:00 EDT at 07:00Z
        var zone = Zone("America/New_York");
        Assert.Equal(Utc("2026-03-08T07:00:00Z"), hours.NextOpening(Utc("2026-03-08T05:00:00Z"), zone));
        Assert.False(hours.IsOpen(Utc("2026-03-08T06:59:59Z"), zone)); // 01:59:59 EST
        Assert.True(hours.IsOpen(Utc("2026-03-08T07:00:00Z"), zone));  // 03:00 EDT
        Assert.True(hours.IsOpen(Utc("2026-03-08T07:59:59Z"), zone));  // 03:59:59 EDT
        Assert.False(hours.IsOpen(Utc("2026-03-08T08:00:00Z"), zone)); // 04:00 EDT
    }

    [Fact]
    public void A_window_wholly_inside_the_skipped_hour_does_not_open_that_day()
    {
        var hours = Daily(2, 0, 2, 45);
        var zone = Zone("America/New_York");
        Assert.Equal(Utc("2026-03-07T07:00:00Z"), hours.NextOpening(Utc("2026-03-07T06:00:00Z"), zone)); // Sat 02:00 EST
        Assert.Equal(Utc("2026-03-09T06:00:00Z"), hours.NextOpening(Utc("2026-03-07T08:00:00Z"), zone)); // Mon 02:00 EDT
    }

    [Fact]
    public void A_start_in_the_london_spring_gap_opens_at_two_bst()
    {
        var hours = Daily(1, 30, 3, 0); // 29 March 2026: 01:00 GMT → 02:00 BST at 01:00Z
        var zone = Zone("Europe/London");
        Assert.Equal(Utc("2026-03-29T01:00:00Z"), hours.NextOpening(Utc("2026-03-29T00:00:00Z"), zone));
        Assert.False(hours.IsOpen(Utc("2026-03-29T00:59:00Z"), zone));
        Assert.True(hours.IsOpen(Utc("2026-03-29T01:59:00Z"), zone));  // 02:59 BST
        Assert.False(hours.IsOpen(Utc("2026-03-29T02:00:00Z"), zone)); // 03:00 BST
    }

    [Fact]
    public void A_window_inside_the_new_york_repeated_hour_opens_once()
    {
        var hours = Daily(1, 0, 1, 45); // 1 November 2026: 01:00–01:59 EDT (05:00Z–06:00Z), then 01:00–01:59 EST
        var zone = Zone("America/New_York");
        Assert.Equal(Utc("2026-11-01T05:00:00Z"), hours.NextOpening(Utc("2026-11-01T04:00:00Z"), zone));
        Assert.True(hours.IsOpen(Utc("2026-11-01T05:44:59Z"), zone));  // 01:44:59 EDT
        Assert.False(hours.IsOpen(Utc("2026-11-01T05:45:00Z"), zone)); // 01:45 EDT: closes
        Assert.False(hours.IsOpen(Utc("2026-11-01T06:00:00Z"), zone)); // 01:00 EST: no second opening
        Assert.False(hours.IsOpen(Utc("2026-11-01T06:30:00Z"), zone)); // 01:30 EST
        Assert.Equal(Utc("2026-11-02T06:00:00Z"), hours.NextOpening(Utc("2026-11-01T05:45:00Z"), zone)); // Mon 01:00 EST
    }

    [Fact]
    public void A_window_spanning_the_repeated_hour_stays_one_stretch()
    {
        var hours = Daily(1, 0, 3, 0);
        var zone = Zone("America/New_York");
        Assert.True(hours.IsOpen(Utc("2026-11-01T05:00:00Z"), zone));  // 01:00 EDT
        Assert.True(hours.IsOpen(Utc("2026-11-01T06:30:00Z"), zone));  // 01:30 EST, the second time round
        Assert.True(hours.IsOpen(Utc("2026-11-01T07:59:00Z"), zone));  // 02:59 EST
        Assert.False(hours.IsOpen(Utc("2026-11-01T08:00:00Z"), zone)); // 03:00 EST
    }

    [Fact]
    public void A_window_inside_the_london_repeated_hour_opens_once()
    {
        var hours = Daily(1, 0, 1, 30); // 25 October 2026: 02:00 BST → 01:00 GMT at 01:00Z
        var zone = Zone("Europe/London");
        Assert.Equal(Utc("2026-10-25T00:00:00Z"), hours.NextOpening(Utc("2026-10-24T23:00:00Z"), zone)); // 01:00 BST
        Assert.False(hours.IsOpen(Utc("2026-10-25T00:30:00Z"), zone)); // 01:30 BST
        Assert.False(hours.IsOpen(Utc("2026-10-25T01:10:00Z"), zone)); // 01:10 GMT
        Assert.Equal(Utc("2026-10-26T01:00:00Z"), hours.NextOpening(Utc("2026-10-25T00:30:00Z"), zone));
    }

    [Fact]
    public void A_start_the_clock_skips_at_midnight_opens_at_one()
    {
        // Chile moves from -04 to -03 at 04:00Z on Sunday 6 September 2026: Saturday 24:00 becomes Sunday 01:00.
        var hours = CallingHours.Create(new TimeOnly(0, 0), new TimeOnly(8, 0), CallingDays.Sunday);
        var zone = Zone("America/Santiago");
        Assert.Equal(Utc("2026-09-06T04:00:00Z"), hours.NextOpening(Utc("2026-09-05T20:00:00Z"), zone));
        Assert.False(hours.IsOpen(Utc("2026-09-06T03:59:59Z"), zone)); // Sat 23:59:59 -04
        Assert.True(hours.IsOpen(Utc("2026-09-06T04:00:00Z"), zone));  // Sun 01:00 -03
        Assert.False(hours.IsOpen(Utc("2026-09-06T11:00:00Z"), zone)); // Sun 08:00 -03
    }

    [Theory]
    [InlineData("Asia/Kathmandu", "2026-03-09T03:15:00Z", "2026-03-09T14:15:00Z")] // +05:45
    [InlineData("Asia/Kolkata", "2026-03-09T03:30:00Z", "2026-03-09T14:30:00Z")]   // +05:30
    [InlineData("Australia/Eucla", "2026-03-09T00:15:00Z", "2026-03-09T11:15:00Z")] // +08:45
    [InlineData("America/St_Johns", "2026-03-09T11:30:00Z", "2026-03-09T22:30:00Z")] // -02:30 (NDT from 8 March)
    public void Zones_with_thirty_and_forty_five_minute_offsets_open_on_their_quarter_hour(string zoneId, string opens, string closes)
    {
        var zone = Zone(zoneId);
        Assert.Equal(Utc(opens), CallingHours.Default.NextOpening(Utc("2026-03-08T20:00:00Z"), zone));
        Assert.False(CallingHours.Default.IsOpen(Utc(opens).AddSeconds(-1), zone));
        Assert.True(CallingHours.Default.IsOpen(Utc(opens), zone));
        Assert.True(CallingHours.Default.IsOpen(Utc(closes).AddSeconds(-1), zone));
        Assert.False(CallingHours.Default.IsOpen(Utc(closes), zone));
    }

    [Fact]
    public void Lord_howe_half_hour_fall_back_opens_once()
    {
        // 5 April 2026: 02:00 (+11) → 01:30 (+10:30) at 15:00Z on 4 April; 01:30–01:59 is repeated.
        var zone = Zone("Australia/Lord_Howe");
        var hours = Daily(1, 30, 1, 50);
        Assert.Equal(Utc("2026-04-04T14:30:00Z"), hours.NextOpening(Utc("2026-04-04T13:00:00Z"), zone));
        Assert.False(hours.IsOpen(Utc("2026-04-04T14:50:00Z"), zone)); // 01:50 (+11): closed
        Assert.False(hours.IsOpen(Utc("2026-04-04T15:05:00Z"), zone)); // 01:35 (+10:30): no second opening
        Assert.Equal(Utc("2026-04-05T15:00:00Z"), hours.NextOpening(Utc("2026-04-04T14:50:00Z"), zone)); // 6 April 01:30
    }

    [Fact]
    public void Lord_howe_half_hour_spring_gap_opens_at_half_past_two()
    {
        // 4 October 2026: 02:00 (+10:30) → 02:30 (+11) at 15:30Z on 3 October.
        var zone = Zone("Australia/Lord_Howe");
        var hours = Daily(2, 10, 3, 0);
        Assert.Equal(Utc("2026-10-03T15:30:00Z"), hours.NextOpening(Utc("2026-10-03T14:00:00Z"), zone));
        Assert.False(hours.IsOpen(Utc("2026-10-03T15:29:59Z"), zone));
        Assert.True(hours.IsOpen(Utc("2026-10-03T15:30:00Z"), zone));
        Assert.False(hours.IsOpen(Utc("2026-10-03T16:00:00Z"), zone)); // 03:00 (+11)
    }

    [Fact]
    public void Chatham_forty_five_minute_zone_spring_gap()
    {
        // 27 September 2026: 02:45 (+12:45) → 03:45 (+13:45) at 14:00Z on 26 September.
        var zone = Zone("Pacific/Chatham");
        var hours = Daily(3, 0, 4, 0);
        Assert.Equal(Utc("2026-09-26T14:00:00Z"), hours.NextOpening(Utc("2026-09-26T12:00:00Z"), zone));
        Assert.True(hours.IsOpen(Utc("2026-09-26T14:14:59Z"), zone));  // 03:59:59 (+13:45)
        Assert.False(hours.IsOpen(Utc("2026-09-26T14:15:00Z"), zone)); // 04:00 (+13:45)
    }
}
