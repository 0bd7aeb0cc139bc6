using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Tests.Campaigns;

/// <summary>
/// Every five minutes across each 2026 change of several zones: <see cref="CallingHours.IsOpen"/> agrees with a naive
/// wall-clock reading wherever the wall time is not repeated, and <see cref="CallingHours.NextOpening"/> is exactly the
/// first open step at or after the instant (so nothing is open in between, and it is open there).
/// </summary>
public sealed class CallingHoursExhaustiveTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMinutes(5);

    public static TheoryData<string, string> Changes => new()
    {
        { "America/New_York", "2026-03-08" },
        { "America/New_York", "2026-11-01" },
        { "America/Los_Angeles", "2026-03-08" },
        { "America/Los_Angeles", "2026-11-01" },
        { "Europe/London", "2026-03-29" },
        { "Europe/London", "2026-10-25" },
        { "Australia/Lord_Howe", "2026-04-05" },
        { "Australia/Lord_Howe", "2026-10-04" },
        { "Pacific/Chatham", "2026-04-05" },
        { "Pacific/Chatham", "2026-09-27" },
        { "America/Santiago", "2026-04-05" },
        { "America/Santiago", "2026-09-06" },
        { "Asia/Kathmandu", "2026-03-08" },
    };

    private static readonly CallingHours[] Windows =
    [
        CallingHours.Default,
        CallingHours.Create(new TimeOnly(0, 0), new TimeOnly(2, 30), CallingDays.Every),
        CallingHours.Create(new TimeOnly(1, 0), new TimeOnly(3, 0), CallingDays.Sunday | CallingDays.Monday),
        CallingHours.Create(new TimeOnly(1, 30), new TimeOnly(1, 45), CallingDays.Every),
        CallingHours.Create(new TimeOnly(2, 15), new TimeOnly(4, 0), CallingDays.Saturday | CallingDays.Sunday),
        CallingHours.Create(new TimeOnly(23, 0), new TimeOnly(23, 59), CallingDays.Every),
    ];

    [Theory]
    [MemberData(nameof(Changes))]
    public void Is_open_and_next_opening_agree_with_the_wall_clock_around_a_change(string zoneId, string changeDay)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var day = DateOnly.ParseExact(changeDay, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(-2);
        var checkedSteps = (int)(TimeSpan.FromDays(4) / Step);
        var scannedSteps = checkedSteps + (int)(TimeSpan.FromDays(8) / Step);
        var sawTransition = false;

        foreach (var hours in Windows)
        {
            var open = new bool[scannedSteps];
            for (var i = 0; i < scannedSteps; i++)
            {
                open[i] = hours.IsOpen(from + (i * Step), zone);
            }

            var nextOpen = -1;
            var next = new int[scannedSteps];
            for (var i = scannedSteps - 1; i >= 0; i--)
            {
                nextOpen = open[i] ? i : nextOpen;
                next[i] = nextOpen;
            }

            for (var i = 0; i < checkedSteps; i++)
            {
                var instant = from + (i * Step);
                var wall = TimeZoneInfo.ConvertTime(instant, zone).DateTime;
                sawTransition |= zone.GetUtcOffset(instant) != zone.GetUtcOffset(instant + Step);
                if (!zone.IsAmbiguousTime(wall))
                {
                    var naive = hours.Days.Includes(wall.DayOfWeek)
                                && TimeOnly.FromDateTime(wall) >= hours.Start && TimeOnly.FromDateTime(wall) < hours.End;
                    Assert.True(naive == open[i], $"{hours} at {instant:u} ({wall:ddd HH:mm} local): naive {naive}, IsOpen {open[i]}");
                }

                Assert.True(next[i] >= 0, $"{hours}: nothing open within 8 days of {instant:u}");
                Assert.Equal(from + (next[i] * Step), hours.NextOpening(instant, zone));
            }
        }

        Assert.True(sawTransition || zoneId == "Asia/Kathmandu", $"{zoneId} did not change offset around {changeDay}");
    }

    [Fact]
    public void A_repeated_hour_never_holds_a_second_opening()
    {
        // Count openings (closed → open edges) per local day across the New York and London fall-back days.
        foreach (var (zoneId, day) in new[] { ("America/New_York", "2026-11-01"), ("Europe/London", "2026-10-25") })
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
            var start = new DateTimeOffset(DateTime.Parse(day, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero);
            foreach (var hours in Windows)
            {
                var edges = 0;
                var was = hours.IsOpen(start, zone);
                for (var t = start + Step; t < start.AddHours(12); t += Step)
                {
                    var now = hours.IsOpen(t, zone);
                    edges += !was && now ? 1 : 0;
                    was = now;
                }

                Assert.True(edges <= 1, $"{hours} opened {edges} times in {zoneId} on {day}");
            }
        }
    }
}
