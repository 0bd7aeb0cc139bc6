using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Tests.Campaigns;

public sealed class CallingHoursParsingTests
{
    [Fact]
    public void Default_is_nine_to_eight_monday_to_saturday()
    {
        Assert.Equal(new TimeOnly(9, 0), CallingHours.Default.Start);
        Assert.Equal(new TimeOnly(20, 0), CallingHours.Default.End);
        Assert.Equal(CallingDays.MondayToSaturday, CallingHours.Default.Days);
        Assert.Equal("09:00-20:00 mon,tue,wed,thu,fri,sat", CallingHours.Default.ToString());
    }

    [Fact]
    public void Fields_left_out_take_the_default()
    {
        var parsed = CallingHours.Parse(null, null, null);
        Assert.Empty(parsed.Errors);
        Assert.Equal(CallingHours.Default, parsed.Value);

        var onlyEnd = CallingHours.Parse(null, "17:30", null).Value!;
        Assert.Equal(new TimeOnly(9, 0), onlyEnd.Start);
        Assert.Equal(new TimeOnly(17, 30), onlyEnd.End);
        Assert.Equal(CallingDays.MondayToSaturday, onlyEnd.Days);
    }

    [Fact]
    public void Days_parse_case_insensitively_with_full_names_and_repeats_merged()
    {
        var parsed = CallingHours.Parse("08:00", "12:00", ["MON", " Tue ", "wednesday", "Fri", "mon", "SUN"]);
        Assert.Empty(parsed.Errors);
        Assert.Equal(
            CallingDays.Monday | CallingDays.Tuesday | CallingDays.Wednesday | CallingDays.Friday | CallingDays.Sunday,
            parsed.Value!.Days);
        Assert.Equal(["mon", "tue", "wed", "fri", "sun"], parsed.Value.Days.ToNames());
    }

    [Theory]
    [InlineData("9:00", 9, 0)]
    [InlineData("09:00", 9, 0)]
    [InlineData(" 17:45 ", 17, 45)]
    [InlineData("00:00", 0, 0)]
    public void Times_parse_as_twenty_four_hour_clock(string text, int hour, int minute)
    {
        var parsed = CallingHours.Parse(text, "23:59", null);
        Assert.Empty(parsed.Errors);
        Assert.Equal(new TimeOnly(hour, minute), parsed.Value!.Start);
    }

    [Theory]
    [InlineData("9am")]
    [InlineData("25:00")]
    [InlineData("24:00")]
    [InlineData("09:60")]
    [InlineData("09:00:00")]
    [InlineData("")]
    [InlineData("nine")]
    public void A_bad_start_is_refused_naming_the_field_and_value(string text)
    {
        var parsed = CallingHours.Parse(text, "20:00", null);
        Assert.Null(parsed.Value);
        var error = Assert.Single(parsed.Errors);
        Assert.Equal("callingHours.start", error.Field);
        Assert.Contains($"'{text}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("HH:mm", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_end_is_refused_naming_the_field()
    {
        var error = Assert.Single(CallingHours.Parse("09:00", "8 pm", null).Errors);
        Assert.Equal("callingHours.end", error.Field);
        Assert.Contains("'8 pm'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("20:00", "09:00")]
    [InlineData("22:00", "02:00")]
    [InlineData("09:00", "09:00")]
    public void End_must_be_after_start_and_midnight_crossing_is_refused(string start, string end)
    {
        var parsed = CallingHours.Parse(start, end, null);
        Assert.Null(parsed.Value);
        var error = Assert.Single(parsed.Errors);
        Assert.Equal("callingHours.end", error.Field);
        Assert.Contains("must be after callingHours.start", error.Message, StringComparison.Ordinal);
        Assert.Contains("midnight", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_days_are_each_named_with_their_index_and_value()
    {
        var parsed = CallingHours.Parse("09:00", "20:00", ["mon", "funday", null, "sat", "Mo"]);
        Assert.Null(parsed.Value);
        Assert.Equal(["callingHours.days[1]", "callingHours.days[2]", "callingHours.days[4]"], parsed.Errors.Select(e => e.Field));
        Assert.Contains("'funday'", parsed.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("'Mo'", parsed.Errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_day_list_is_refused()
    {
        var error = Assert.Single(CallingHours.Parse("09:00", "20:00", []).Errors);
        Assert.Equal("callingHours.days", error.Field);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var parsed = CallingHours.Parse("nine", "late", ["xyz"]);
        Assert.Equal(["callingHours.start", "callingHours.end", "callingHours.days[0]"], parsed.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Create_refuses_empty_windows_and_empty_days()
    {
        Assert.Throws<ArgumentException>(() => CallingHours.Create(new TimeOnly(9, 0), new TimeOnly(9, 0), CallingDays.Every));
        Assert.Throws<ArgumentException>(() => CallingHours.Create(new TimeOnly(9, 0), new TimeOnly(10, 0), CallingDays.None));
        Assert.Throws<ArgumentException>(() => CallingHours.Create(new TimeOnly(9, 0), new TimeOnly(10, 0), (CallingDays)128));
        Assert.Equal(CallingHours.Default, CallingHours.Create(new TimeOnly(9, 0), new TimeOnly(20, 0), CallingDays.MondayToSaturday));
    }
}
