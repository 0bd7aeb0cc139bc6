using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Tests.Campaigns;

public sealed class RecipientTimeZoneResolverTests
{
    private static readonly RecipientTimeZoneResolver Resolver =
        new(new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero)));

    [Theory]
    [InlineData("+12125550123", "America/New_York")]    // Manhattan
    [InlineData("+13105550123", "America/Los_Angeles")] // West Los Angeles
    [InlineData("+442079460000", "Europe/London")]      // London landline
    [InlineData("+14155550101", "America/Los_Angeles")]
    [InlineData("+5511987654321", "America/Sao_Paulo")] // São Paulo mobile: Brazilian area codes are geographic
    [InlineData("+61291234567", "Australia/Sydney")]    // Sydney landline
    [InlineData("+9779841234567", "Asia/Katmandu")]     // libphonenumber's data keeps the older spelling (a tz link)
    public void An_unambiguous_number_names_its_zone(string phone, string zoneId)
    {
        var result = Resolver.Resolve(phone, null, null);
        Assert.True(result.IsResolved, result.ToString());
        Assert.Equal(zoneId, result.Zone.Id);
        Assert.Equal(TimeZoneSource.PhoneNumber, result.Source);
    }

    [Fact]
    public void A_uk_mobile_spans_four_zones_with_one_clock_and_resolves_to_london()
    {
        var zones = Resolver.ZonesOf("+447911123456").Select(z => z.Id);
        Assert.Equal(["Europe/Guernsey", "Europe/Isle_of_Man", "Europe/Jersey", "Europe/London"], zones);

        var result = Resolver.Resolve("+447911123456", null, null);
        Assert.True(result.IsResolved, result.ToString());
        Assert.Equal("Europe/London", result.Zone.Id);
        Assert.Equal(TimeZoneSource.PhoneNumber, result.Source);
    }

    [Theory]
    [InlineData("+19075550100", 2)]   // Alaska: Anchorage and Adak, an hour apart
    [InlineData("+18005550123", 42)]  // US toll-free: all of NANP
    [InlineData("+79161234567", 16)]  // a Russian mobile: eleven time zones
    [InlineData("+61412345678", 8)]   // an Australian mobile
    public void A_number_whose_prefix_spans_several_clocks_is_ambiguous_without_a_default(string phone, int candidates)
    {
        var result = Resolver.Resolve(phone, null, null);
        Assert.False(result.IsResolved);
        Assert.Equal(TimeZoneErrorKind.Ambiguous, result.Error.Kind);
        Assert.Equal("phone", result.Error.Field);
        Assert.Equal(candidates, result.Error.Candidates.Count);
        foreach (var zone in result.Error.Candidates)
        {
            Assert.Contains(zone, result.Error.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(phone, result.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_alaska_candidates_are_named()
    {
        var error = Resolver.Resolve("+19075550100", null, null).Error!;
        Assert.Equal(["America/Adak", "America/Anchorage"], error.Candidates);
        Assert.Equal(new CampaignFieldError("phone", error.Message), error.ToFieldError());
    }

    [Theory]
    [InlineData("+19075550100")]
    [InlineData("+79161234567")]
    [InlineData("+61412345678")]
    public void An_ambiguous_number_takes_the_campaign_default(string phone)
    {
        var result = Resolver.Resolve(phone, null, "Australia/Perth");
        Assert.True(result.IsResolved);
        Assert.Equal("Australia/Perth", result.Zone.Id);
        Assert.Equal(TimeZoneSource.CampaignDefault, result.Source);
    }

    [Fact]
    public void The_default_does_not_override_an_unambiguous_number()
    {
        var result = Resolver.Resolve("+12125550123", null, "Europe/London");
        Assert.Equal("America/New_York", result.Zone!.Id);
        Assert.Equal(TimeZoneSource.PhoneNumber, result.Source);
    }

    [Fact]
    public void The_lead_timezone_wins_over_number_and_default()
    {
        var result = Resolver.Resolve("+12125550123", "Europe/London", "Asia/Tokyo");
        Assert.Equal("Europe/London", result.Zone!.Id);
        Assert.Equal(TimeZoneSource.Lead, result.Source);

        var ambiguous = Resolver.Resolve("+79161234567", " Asia/Vladivostok ", null);
        Assert.Equal("Asia/Vladivostok", ambiguous.Zone!.Id);
    }

    [Fact]
    public void Lead_timezone_case_is_forgiven_and_the_canonical_id_kept()
    {
        Assert.Equal("America/New_York", Resolver.Resolve("+13105550123", "america/new_york", null).Zone!.Id);
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("Eastern Standard Time")] // a Windows id: not IANA
    [InlineData("EST5EDT ")]              // does exist: blanks are trimmed, so this one resolves (checked below)
    [InlineData("../../etc/passwd")]
    [InlineData("America")]
    [InlineData("localtime")]
    [InlineData("posix/Europe/London")]
    [InlineData("Etc/Unknown")]
    [InlineData("+05:00")]
    public void A_bad_lead_timezone_is_refused_naming_the_field(string lead)
    {
        var result = Resolver.Resolve("+12125550123", lead, "America/Chicago");
        if (lead == "EST5EDT ")
        {
            Assert.Equal("EST5EDT", result.Zone!.Id);
            return;
        }

        Assert.False(result.IsResolved);
        Assert.Equal(TimeZoneErrorKind.UnknownTimeZoneId, result.Error.Kind);
        Assert.Equal("leadTimezone", result.Error.Field);
        Assert.Contains($"'{lead}'", result.Error.Message, StringComparison.Ordinal);
        Assert.Empty(result.Error.Candidates);
    }

    [Fact]
    public void A_bad_default_is_refused_even_when_the_number_would_not_need_it()
    {
        var result = Resolver.Resolve("+12125550123", null, "Europe/Londres");
        Assert.False(result.IsResolved);
        Assert.Equal(TimeZoneErrorKind.UnknownTimeZoneId, result.Error.Kind);
        Assert.Equal("defaultTimezone", result.Error.Field);
        Assert.Contains("'Europe/Londres'", result.Error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void A_blank_lead_timezone_counts_as_not_given(string? lead)
    {
        var result = Resolver.Resolve("+442079460000", lead, "   ");
        Assert.Equal("Europe/London", result.Zone!.Id);
        Assert.Equal(TimeZoneSource.PhoneNumber, result.Source);
    }

    [Theory]
    [InlineData("+447700900123")] // Ofcom's drama range: not a number libphonenumber considers valid
    [InlineData("+999123456789")] // no such country
    [InlineData("not a number")]
    [InlineData("")]
    public void A_number_that_names_no_zone_takes_the_default_or_is_refused(string phone)
    {
        Assert.Equal("Europe/Dublin", Resolver.Resolve(phone, null, "Europe/Dublin").Zone!.Id);

        var error = Resolver.Resolve(phone, null, null).Error!;
        Assert.Equal(TimeZoneErrorKind.NoTimeZone, error.Kind);
        Assert.Equal("phone", error.Field);
        Assert.Empty(error.Candidates);
    }

    [Fact]
    public void The_widest_candidate_lists_resolve_whole_on_this_host()
    {
        // Spot-check the prefixes the campaign tests use plus the widest candidate lists; a zone this host's tz data
        // lacked would silently drop out of ZonesOf and turn an ambiguous number into a wrongly unambiguous one.
        Assert.Equal(42, Resolver.ZonesOf("+18005550123").Count);
        Assert.Equal(16, Resolver.ZonesOf("+79161234567").Count);
        Assert.True(IanaTimeZones.TryFind("Europe/Kyiv", out _));
        Assert.True(IanaTimeZones.TryFind("America/Ciudad_Juarez", out _));
    }
}
