using System.Diagnostics.CodeAnalysis;

namespace SynthflowConnector.Campaigns;

/// <summary>Where a recipient's time zone came from.</summary>
public enum TimeZoneSource
{
    /// <summary>The recipient's own <c>leadTimezone</c>.</summary>
    Lead,

    /// <summary>The phone number's prefix (libphonenumber's time-zone map) named one zone.</summary>
    PhoneNumber,

    /// <summary>The campaign's <c>defaultTimezone</c>, because the number did not name exactly one zone.</summary>
    CampaignDefault,
}

/// <summary>Why no time zone could be given to a recipient.</summary>
public enum TimeZoneErrorKind
{
    /// <summary><c>leadTimezone</c> or <c>defaultTimezone</c> is not an IANA id this host knows.</summary>
    UnknownTimeZoneId,

    /// <summary>The number's prefix spans several zones with different clocks, and the campaign has no default.</summary>
    Ambiguous,

    /// <summary>The number's prefix names no zone at all (not a valid number for its country), and no default.</summary>
    NoTimeZone,
}

/// <summary>
/// A refused recipient time zone. <see cref="Field"/> is <c>leadTimezone</c>, <c>defaultTimezone</c> or <c>phone</c>;
/// <see cref="Candidates"/> lists the zones the number could be in (empty unless <see cref="TimeZoneErrorKind.Ambiguous"/>).
/// </summary>
public sealed record TimeZoneResolutionError(
    TimeZoneErrorKind Kind,
    string Field,
    IReadOnlyList<string> Candidates,
    string Message)
{
    public CampaignFieldError ToFieldError() => new(Field, Message);
}

/// <summary>A recipient's time zone, or why there is none: exactly one of <see cref="Zone"/> and <see cref="Error"/>.</summary>
public sealed class TimeZoneResolution
{
    private TimeZoneResolution(TimeZoneInfo? zone, TimeZoneSource source, TimeZoneResolutionError? error)
    {
        Zone = zone;
        Source = source;
        Error = error;
    }

    public TimeZoneInfo? Zone { get; }

    /// <summary>Meaningful only when <see cref="IsResolved"/>.</summary>
    public TimeZoneSource Source { get; }

    public TimeZoneResolutionError? Error { get; }

    [MemberNotNullWhen(true, nameof(Zone))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsResolved => Zone is not null;

    public static TimeZoneResolution Resolved(TimeZoneInfo zone, TimeZoneSource source)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return new(zone, source, null);
    }

    public static TimeZoneResolution Failed(TimeZoneResolutionError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new(null, default, error);
    }

    public override string ToString() => IsResolved ? $"{Zone.Id} ({Source})" : $"{Error.Kind}: {Error.Message}";
}
