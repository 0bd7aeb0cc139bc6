using System.Globalization;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// When a recipient may be called: from <see cref="Start"/> (inclusive) to <see cref="End"/> (exclusive) on the
/// recipient's local clock, on the listed <see cref="Days"/> (the local date on which the window opens).
/// <para>
/// A window lies inside one local day: <see cref="End"/> must be after <see cref="Start"/>, so windows crossing
/// midnight ("20:00"–"02:00") are refused (nobody should be called at night; split it into two campaigns if really
/// needed). The latest end is 23:59.
/// </para>
/// <para>
/// Daylight-saving changes: each day's window is one contiguous stretch of real time, from the first instant the
/// clock reads <see cref="Start"/> or later to the first instant it reads <see cref="End"/> or later. A start or end
/// the clock skips (spring-forward gap) therefore becomes the first valid instant after it, and on a fall-back day
/// the window opens once and closes once: a repeated hour never reopens a window that has closed.
/// Offsets of 30 and 45 minutes (India, Nepal, Lord Howe's half-hour shift, Chatham) need nothing special.
/// </para>
/// </summary>
public sealed record CallingHours
{
    public const string StartField = "callingHours.start";
    public const string EndField = "callingHours.end";
    public const string DaysField = "callingHours.days";

    /// <summary>The time format the API reads and writes: 24-hour <c>HH:mm</c>.</summary>
    public const string TimeFormat = "HH:mm";

    // Search a little over a week either way: with at least one day listed, a week always holds a window.
    private const int DaysToSearch = 15;

    private static readonly string[] AcceptedTimeFormats = ["HH:mm", "H:mm"];

    private CallingHours(TimeOnly start, TimeOnly end, CallingDays days)
    {
        Start = start;
        End = end;
        Days = days;
    }

    /// <summary>
    /// The window of a campaign that names none (and of any field it leaves out): 09:00–20:00, Monday to Saturday.
    /// It sits inside the US TCPA hours (08:00–21:00) and the UK's Ofcom guidance, and leaves Sundays alone.
    /// </summary>
    public static CallingHours Default { get; } = new(new TimeOnly(9, 0), new TimeOnly(20, 0), CallingDays.MondayToSaturday);

    public TimeOnly Start { get; }

    public TimeOnly End { get; }

    public CallingDays Days { get; }

    /// <summary>Builds a window from typed values; throws on an empty window or no days.</summary>
    public static CallingHours Create(TimeOnly start, TimeOnly end, CallingDays days)
    {
        if (end <= start)
        {
            throw new ArgumentException($"The end ({end.ToString(TimeFormat, CultureInfo.InvariantCulture)}) must be after the start ({start.ToString(TimeFormat, CultureInfo.InvariantCulture)}).", nameof(end));
        }

        if ((days & CallingDays.Every) == CallingDays.None || (days & ~CallingDays.Every) != CallingDays.None)
        {
            throw new ArgumentException("At least one day, and only days of the week.", nameof(days));
        }

        return new CallingHours(start, end, days);
    }

    /// <summary>
    /// Reads the API's <c>callingHours</c>: times as <c>HH:mm</c> (or <c>H:mm</c>), days as <c>mon</c>…<c>sun</c> or
    /// full English names in any case (repeats merged). A field left out (null) takes <see cref="Default"/>'s value;
    /// an empty days list is refused. Every problem is reported, each naming its field and the refused value.
    /// </summary>
    public static CallingHoursParseResult Parse(string? start, string? end, IReadOnlyList<string?>? days)
    {
        var errors = new List<CampaignFieldError>();
        var startTime = ParseTime(start, StartField, Default.Start, errors);
        var endTime = ParseTime(end, EndField, Default.End, errors);
        var daySet = days is null ? Default.Days : ParseDays(days, errors);

        if (startTime is { } s && endTime is { } e && e <= s)
        {
            errors.Add(new CampaignFieldError(EndField,
                $"{EndField} ({e.ToString(TimeFormat, CultureInfo.InvariantCulture)}) must be after {StartField} "
                + $"({s.ToString(TimeFormat, CultureInfo.InvariantCulture)}); windows crossing midnight are not supported."));
        }

        return errors.Count > 0 || startTime is null || endTime is null
            ? CallingHoursParseResult.Failed(errors)
            : CallingHoursParseResult.Parsed(new CallingHours(startTime.Value, endTime.Value, daySet));
    }

    /// <summary>Whether the recipient may be called at <paramref name="utcNow"/>.</summary>
    public bool IsOpen(DateTimeOffset utcNow, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var today = ZoneClock.LocalDate(utcNow, zone);
        for (var day = today.AddDays(-1); day <= today.AddDays(1); day = day.AddDays(1))
        {
            if (WindowOn(day, zone) is { } window && window.Open <= utcNow && utcNow < window.Close)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The first instant at or after <paramref name="utcNow"/> at which the recipient may be called, in UTC:
    /// <paramref name="utcNow"/> itself when the window is open.
    /// </summary>
    public DateTimeOffset NextOpening(DateTimeOffset utcNow, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var now = utcNow.ToUniversalTime();
        var today = ZoneClock.LocalDate(now, zone);
        for (var offset = -1; offset <= DaysToSearch; offset++)
        {
            if (WindowOn(today.AddDays(offset), zone) is { } window && now < window.Close)
            {
                return window.Open > now ? window.Open : now;
            }
        }

        throw new InvalidOperationException($"No calling window within {DaysToSearch} days in {zone.Id}.");
    }

    /// <summary>The API's form of <see cref="Start"/>.</summary>
    public string StartText => Start.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>The API's form of <see cref="End"/>.</summary>
    public string EndText => End.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public override string ToString() => $"{StartText}-{EndText} {string.Join(',', Days.ToNames())}";

    /// <summary>The window of one local date in UTC, or null when the date is not a calling day or its window is empty.</summary>
    private (DateTimeOffset Open, DateTimeOffset Close)? WindowOn(DateOnly day, TimeZoneInfo zone)
    {
        if (!Days.Includes(day.DayOfWeek))
        {
            return null;
        }

        var open = ZoneClock.FirstInstantAtOrAfter(day.ToDateTime(Start), zone);
        var close = ZoneClock.FirstInstantAtOrAfter(day.ToDateTime(End), zone);
        return open < close ? (open, close) : null;
    }

    private static TimeOnly? ParseTime(string? text, string field, TimeOnly fallback, List<CampaignFieldError> errors)
    {
        if (text is null)
        {
            return fallback;
        }

        if (TimeOnly.TryParseExact(text.Trim(), AcceptedTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return time;
        }

        errors.Add(new CampaignFieldError(field,
            $"{field} '{Clip(text)}' is not a time of day as HH:mm (00:00 to 23:59), for example 09:00."));
        return null;
    }

    private static CallingDays ParseDays(IReadOnlyList<string?> names, List<CampaignFieldError> errors)
    {
        if (names.Count == 0)
        {
            errors.Add(new CampaignFieldError(DaysField, $"{DaysField} is empty: list at least one day (mon … sun)."));
        }

        var days = CallingDays.None;
        for (var i = 0; i < names.Count; i++)
        {
            if (CallingDayNames.TryParse(names[i], out var day))
            {
                days |= day;
            }
            else
            {
                errors.Add(new CampaignFieldError($"{DaysField}[{i}]",
                    $"{DaysField}[{i}] '{Clip(names[i] ?? "null")}' is not a day: use mon, tue, wed, thu, fri, sat or sun."));
            }
        }

        return days;
    }

    private static string Clip(string value) => value.Length <= 32 ? value : value[..32] + "…";
}

/// <summary>Parsed calling hours, or the refused fields: exactly one of <see cref="Value"/> and a non-empty <see cref="Errors"/>.</summary>
public sealed record CallingHoursParseResult(CallingHours? Value, IReadOnlyList<CampaignFieldError> Errors)
{
    public static CallingHoursParseResult Parsed(CallingHours value) => new(value, []);

    public static CallingHoursParseResult Failed(IReadOnlyList<CampaignFieldError> errors) => new(null, errors);
}
