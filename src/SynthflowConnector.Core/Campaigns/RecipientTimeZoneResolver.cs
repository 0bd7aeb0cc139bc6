using PhoneNumbers;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// A campaign recipient's time zone, in this order:
/// <list type="number">
/// <item>the recipient's <c>leadTimezone</c> when given (a set but unknown id is an error naming <c>leadTimezone</c>,
/// never silently replaced);</item>
/// <item>the number's prefix, through libphonenumber's <see cref="PhoneNumberToTimeZonesMapper"/>, when it names
/// exactly one zone, or several that keep the same clock from now on (UK mobiles map to London, Jersey, Guernsey and
/// the Isle of Man: one clock; Alaska's +1 907 maps to Anchorage and Adak: two clocks, so ambiguous);</item>
/// <item>the campaign's <c>defaultTimezone</c>;</item>
/// <item>else an error: <see cref="TimeZoneErrorKind.Ambiguous"/> listing the candidate zones, or
/// <see cref="TimeZoneErrorKind.NoTimeZone"/> when the number names none (libphonenumber returns its
/// <c>Etc/Unknown</c> default for numbers it does not consider valid).</item>
/// </list>
/// Blank ids (null, empty, whitespace: an empty Excel cell) count as not given. A set <c>defaultTimezone</c> that is
/// unknown is an error naming <c>defaultTimezone</c> even when this recipient would not need it, so a bad campaign
/// setting is refused at create, not when the first ambiguous number comes along.
/// The mapper's data is loaded once per process (about 0.1 s) by the first resolver.
/// </summary>
public sealed class RecipientTimeZoneResolver
{
    public const string LeadTimezoneField = "leadTimezone";
    public const string DefaultTimezoneField = "defaultTimezone";
    public const string PhoneField = "phone";

    private readonly PhoneNumberToTimeZonesMapper mapper = PhoneNumberToTimeZonesMapper.GetInstance();
    private readonly PhoneNumberUtil phoneUtil = PhoneNumberUtil.GetInstance();
    private readonly TimeProvider timeProvider;

    public RecipientTimeZoneResolver(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        this.timeProvider = timeProvider;
    }

    /// <summary>Resolves one recipient's zone (see the class summary for the order).</summary>
    public TimeZoneResolution Resolve(string phone, string? leadTimezone, string? defaultTimezone)
    {
        TimeZoneInfo? fallback = null;
        if (!string.IsNullOrWhiteSpace(defaultTimezone) && !IanaTimeZones.TryFind(defaultTimezone.Trim(), out fallback))
        {
            return UnknownId(DefaultTimezoneField, defaultTimezone);
        }

        if (!string.IsNullOrWhiteSpace(leadTimezone))
        {
            return IanaTimeZones.TryFind(leadTimezone.Trim(), out var lead)
                ? TimeZoneResolution.Resolved(lead, TimeZoneSource.Lead)
                : UnknownId(LeadTimezoneField, leadTimezone);
        }

        var candidates = ZonesOf(phone);
        if (SingleClock(phone, candidates) is { } fromNumber)
        {
            return TimeZoneResolution.Resolved(fromNumber, TimeZoneSource.PhoneNumber);
        }

        if (fallback is not null)
        {
            return TimeZoneResolution.Resolved(fallback, TimeZoneSource.CampaignDefault);
        }

        var ids = candidates.Select(z => z.Id).ToArray();
        return TimeZoneResolution.Failed(ids.Length == 0
            ? new TimeZoneResolutionError(TimeZoneErrorKind.NoTimeZone, PhoneField, ids,
                "The number's prefix names no time zone (libphonenumber does not consider it a valid number for its "
                + "country); give the recipient a leadTimezone or the campaign a defaultTimezone.")
            : new TimeZoneResolutionError(TimeZoneErrorKind.Ambiguous, PhoneField, ids,
                $"The number's prefix spans {ids.Length} time zones ({string.Join(", ", ids)}); give the recipient a "
                + "leadTimezone or the campaign a defaultTimezone."));
    }

    /// <summary>
    /// The zones libphonenumber maps the number to, those this host knows; empty for numbers it cannot parse or
    /// does not consider valid. Every zone id in 9.0.43's map resolves on Debian 12's tzdata 2025b.
    /// </summary>
    public IReadOnlyList<TimeZoneInfo> ZonesOf(string phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return [];
        }

        PhoneNumber parsed;
        try
        {
            parsed = phoneUtil.Parse(phone, null);
        }
        catch (NumberParseException)
        {
            return [];
        }

        var unknown = mapper.GetUnknownTimeZone();
        var zones = new List<TimeZoneInfo>();
        foreach (var id in mapper.GetTimeZonesForNumber(parsed))
        {
            if (id != unknown && IanaTimeZones.TryFind(id, out var zone))
            {
                zones.Add(zone);
            }
        }

        return zones;
    }

    /// <summary>
    /// The one clock the candidates share from now on, or null. Of equivalent zones, the one the country's example
    /// fixed-line number maps to is named (Europe/London for a UK mobile, not Europe/Guernsey), else the first in the mapper's order.
    /// </summary>
    private TimeZoneInfo? SingleClock(string phone, IReadOnlyList<TimeZoneInfo> candidates)
    {
        if (candidates.Count == 0)
        {
            return null;
        }

        var now = timeProvider.GetUtcNow();
        if (candidates.Skip(1).Any(z => !IanaTimeZones.SameFutureRules(candidates[0], z, now)))
        {
            return null;
        }

        if (candidates.Count == 1)
        {
            return candidates[0];
        }

        // The country code's main region (GB for +44, not GG, which libphonenumber reports for UK mobiles).
        var region = phoneUtil.GetRegionCodeForCountryCode(phoneUtil.Parse(phone, null).CountryCode);
        var example = phoneUtil.GetExampleNumberForType(region, PhoneNumberType.FIXED_LINE);
        var preferred = example is null ? [] : mapper.GetTimeZonesForNumber(example);
        return candidates.FirstOrDefault(z => preferred.Contains(z.Id, StringComparer.Ordinal)) ?? candidates[0];
    }

    private static TimeZoneResolution UnknownId(string field, string value) =>
        TimeZoneResolution.Failed(new TimeZoneResolutionError(TimeZoneErrorKind.UnknownTimeZoneId, field, [],
            $"{field} '{Quote(value)}' is not a known IANA time-zone id (for example America/New_York, Europe/London)."));

    private static string Quote(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
