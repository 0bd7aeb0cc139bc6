namespace SynthflowConnector.Campaigns;

/// <summary>The days of the week a calling window applies to (the recipient's local date when the window opens).</summary>
[Flags]
public enum CallingDays
{
    None = 0,
    Monday = 1,
    Tuesday = 2,
    Wednesday = 4,
    Thursday = 8,
    Friday = 16,
    Saturday = 32,
    Sunday = 64,
    MondayToFriday = Monday | Tuesday | Wednesday | Thursday | Friday,
    MondayToSaturday = MondayToFriday | Saturday,
    Every = MondayToSaturday | Sunday,
}

public static class CallingDayNames
{
    /// <summary>The names the API writes, in week order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    public static CallingDays ToCallingDay(this DayOfWeek day) => day switch
    {
        DayOfWeek.Monday => CallingDays.Monday,
        DayOfWeek.Tuesday => CallingDays.Tuesday,
        DayOfWeek.Wednesday => CallingDays.Wednesday,
        DayOfWeek.Thursday => CallingDays.Thursday,
        DayOfWeek.Friday => CallingDays.Friday,
        DayOfWeek.Saturday => CallingDays.Saturday,
        DayOfWeek.Sunday => CallingDays.Sunday,
        _ => throw new ArgumentOutOfRangeException(nameof(day)),
    };

    public static bool Includes(this CallingDays days, DayOfWeek day) => (days & day.ToCallingDay()) != 0;

    /// <summary>
    /// One day name: <c>mon</c>…<c>sun</c> or the full English name, any case, surrounding blanks ignored.
    /// </summary>
    public static bool TryParse(string? name, out CallingDays day)
    {
        day = name?.Trim().ToLowerInvariant() switch
        {
            "mon" or "monday" => CallingDays.Monday,
            "tue" or "tuesday" => CallingDays.Tuesday,
            "wed" or "wednesday" => CallingDays.Wednesday,
            "thu" or "thursday" => CallingDays.Thursday,
            "fri" or "friday" => CallingDays.Friday,
            "sat" or "saturday" => CallingDays.Saturday,
            "sun" or "sunday" => CallingDays.Sunday,
            _ => CallingDays.None,
        };
        return day != CallingDays.None;
    }

    /// <summary>The API names of <paramref name="days"/>, in week order.</summary>
    public static IReadOnlyList<string> ToNames(this CallingDays days) =>
        Names.Where((_, i) => (days & (CallingDays)(1 << i)) != 0).ToArray();
}
