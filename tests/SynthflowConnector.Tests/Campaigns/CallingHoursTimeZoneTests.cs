using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Tests.Campaigns;

/// <summary>
/// New York, Los Angeles and London recipients on the default hours (09:00–20:00 Mon–Sat), checked at explicit UTC
/// instants either side of the 2026 daylight-saving changes (US: 8 March and 1 November; UK: 29 March and 25 October).
/// </summary>
public sealed class CallingHoursTimeZoneTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo LosAngeles = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
    private static readonly TimeZoneInfo London = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");

    private static readonly CallingHours Hours = CallingHours.Default;

    public static TheoryData<string, string, bool> Instants => new()
    {
        // New York, winter (EST, UTC-5): Friday 6 March 2026.
        { "America/New_York", "2026-03-06T13:59:59Z", false }, // 08:59:59 EST
        { "America/New_York", "2026-03-06T14:00:00Z", true },  // 09:00 EST
        { "America/New_York", "2026-03-07T00:59:59Z", true },  // Fri 19:59:59 EST
        { "America/New_York", "2026-03-07T01:00:00Z", false }, // Fri 20:00 EST
        // New York, Sunday 8 March (the change day): closed all day.
        { "America/New_York", "2026-03-08T15:00:00Z", false },
        // New York, summer (EDT, UTC-4): Monday 9 March, the same UTC instants now mean an hour later.
        { "America/New_York", "2026-03-09T12:59:59Z", false }, // 08:59:59 EDT
        { "America/New_York", "2026-03-09T13:00:00Z", true },  // 09:00 EDT
        { "America/New_York", "2026-03-09T23:59:59Z", true },  // 19:59:59 EDT
        { "America/New_York", "2026-03-10T00:00:00Z", false }, // 20:00 EDT
        // New York, back to EST: Saturday 31 October (EDT) and Monday 2 November (EST).
        { "America/New_York", "2026-10-31T13:00:00Z", true },  // Sat 09:00 EDT
        { "America/New_York", "2026-11-01T15:00:00Z", false }, // Sun
        { "America/New_York", "2026-11-02T13:30:00Z", false }, // Mon 08:30 EST
        { "America/New_York", "2026-11-02T14:00:00Z", true },  // Mon 09:00 EST
        { "America/New_York", "2026-11-03T00:59:00Z", true },  // Mon 19:59 EST
        { "America/New_York", "2026-11-03T01:00:00Z", false }, // Mon 20:00 EST

        // Los Angeles: PST (UTC-8) before 8 March, PDT (UTC-7) after, PST again after 1 November.
        { "America/Los_Angeles", "2026-03-06T16:59:00Z", false }, // Fri 08:59 PST
        { "America/Los_Angeles", "2026-03-06T17:00:00Z", true },  // Fri 09:00 PST
        { "America/Los_Angeles", "2026-03-07T04:00:00Z", false }, // Fri 20:00 PST
        { "America/Los_Angeles", "2026-03-09T16:00:00Z", true },  // Mon 09:00 PDT
        { "America/Los_Angeles", "2026-03-09T15:59:00Z", false }, // Mon 08:59 PDT
        { "America/Los_Angeles", "2026-03-10T02:59:00Z", true },  // Mon 19:59 PDT
        { "America/Los_Angeles", "2026-03-10T03:00:00Z", false }, // Mon 20:00 PDT
        { "America/Los_Angeles", "2026-11-02T16:30:00Z", false }, // Mon 08:30 PST
        { "America/Los_Angeles", "2026-11-02T17:00:00Z", true },  // Mon 09:00 PST
        { "America/Los_Angeles", "2026-11-03T04:00:00Z", false }, // Mon 20:00 PST

        // London: GMT (UTC+0) until 29 March, BST (UTC+1) until 25 October.
        { "Europe/London", "2026-03-27T08:59:00Z", false }, // Fri 08:59 GMT
        { "Europe/London", "2026-03-27T09:00:00Z", true },  // Fri 09:00 GMT
        { "Europe/London", "2026-03-27T19:59:00Z", true },  // Fri 19:59 GMT
        { "Europe/London", "2026-03-27T20:00:00Z", false }, // Fri 20:00 GMT
        { "Europe/London", "2026-03-29T12:00:00Z", false }, // Sun, the change day
        { "Europe/London", "2026-03-30T07:59:00Z", false }, // Mon 08:59 BST
        { "Europe/London", "2026-03-30T08:00:00Z", true },  // Mon 09:00 BST
        { "Europe/London", "2026-03-30T18:59:00Z", true },  // Mon 19:59 BST
        { "Europe/London", "2026-03-30T19:00:00Z", false }, // Mon 20:00 BST
        { "Europe/London", "2026-10-24T08:00:00Z", true },  // Sat 09:00 BST
        { "Europe/London", "2026-10-26T08:00:00Z", false }, // Mon 08:00 GMT
        { "Europe/London", "2026-10-26T09:00:00Z", true },  // Mon 09:00 GMT
        { "Europe/London", "2026-10-26T20:00:00Z", false }, // Mon 20:00 GMT

        // Between the US and UK changes (9–28 March) New York is 4 h behind London, not 5.
        { "America/New_York", "2026-03-16T13:00:00Z", true },  // Mon 09:00 EDT
        { "Europe/London", "2026-03-16T08:59:00Z", false },    // Mon 08:59 GMT
    };

    [Theory]
    [MemberData(nameof(Instants))]
    public void Recipients_are_open_only_inside_their_local_hours(string zoneId, string instant, bool open)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var utc = DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(open, Hours.IsOpen(utc, zone));
        Assert.Equal(open, Hours.NextOpening(utc, zone) == utc);
    }

    [Fact]
    public void New_York_saturday_evening_waits_over_the_dst_sunday_for_monday_nine_edt()
    {
        var saturdayEvening = Utc("2026-03-08T01:30:00Z"); // Sat 7 March 20:30 EST
        Assert.Equal(Utc("2026-03-09T13:00:00Z"), Hours.NextOpening(saturdayEvening, NewYork));
    }

    [Fact]
    public void Los_Angeles_saturday_evening_waits_over_the_fall_back_sunday_for_monday_nine_pst()
    {
        var saturdayEvening = Utc("2026-11-01T03:00:00Z"); // Sat 31 October 20:00 PDT
        Assert.Equal(Utc("2026-11-02T17:00:00Z"), Hours.NextOpening(saturdayEvening, LosAngeles));
    }

    [Fact]
    public void London_saturday_night_waits_over_the_spring_forward_sunday_for_monday_nine_bst()
    {
        var saturdayNight = Utc("2026-03-28T21:00:00Z"); // Sat 21:00 GMT
        Assert.Equal(Utc("2026-03-30T08:00:00Z"), Hours.NextOpening(saturdayNight, London));
    }

    [Fact]
    public void Weekday_only_hours_skip_the_whole_weekend()
    {
        var weekdays = CallingHours.Create(new TimeOnly(9, 0), new TimeOnly(17, 0), CallingDays.MondayToFriday);
        var fridayAfterFive = Utc("2026-10-23T16:00:00Z"); // Fri 17:00 BST
        Assert.False(weekdays.IsOpen(fridayAfterFive, London));
        Assert.Equal(Utc("2026-10-26T09:00:00Z"), weekdays.NextOpening(fridayAfterFive, London)); // Mon 09:00 GMT
        Assert.Equal(Utc("2026-10-26T09:00:00Z"), weekdays.NextOpening(Utc("2026-10-24T10:00:00Z"), London)); // from Sat
    }

    [Fact]
    public void Sunday_only_hours_wait_almost_a_week()
    {
        var sundays = CallingHours.Create(new TimeOnly(12, 0), new TimeOnly(13, 0), CallingDays.Sunday);
        var mondayNoon = Utc("2026-03-09T16:00:00Z"); // Mon 12:00 EDT
        Assert.Equal(Utc("2026-03-15T16:00:00Z"), sundays.NextOpening(mondayNoon, NewYork));
    }

    [Fact]
    public void Next_opening_during_the_window_is_now_and_before_it_is_todays_start()
    {
        var inside = Utc("2026-06-10T15:17:23Z"); // Wed 11:17:23 EDT
        Assert.Equal(inside, Hours.NextOpening(inside, NewYork));
        Assert.Equal(Utc("2026-06-10T16:00:00Z"), Hours.NextOpening(Utc("2026-06-10T07:00:00Z"), LosAngeles));
    }

    [Fact]
    public void Next_opening_is_utc_whatever_offset_the_instant_carries()
    {
        var inNewYorkTerms = new DateTimeOffset(2026, 6, 10, 21, 0, 0, TimeSpan.FromHours(-4)); // Wed 21:00 EDT
        var next = Hours.NextOpening(inNewYorkTerms, NewYork);
        Assert.Equal(TimeSpan.Zero, next.Offset);
        Assert.Equal(Utc("2026-06-11T13:00:00Z"), next);
    }

    internal static DateTimeOffset Utc(string instant) =>
        DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();
}
