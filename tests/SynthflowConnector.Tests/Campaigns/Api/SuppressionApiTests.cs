using System.Net;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Tests.Campaigns.Api.CampaignApi;

namespace SynthflowConnector.Tests.Campaigns.Api;

/// <summary>The suppression list on the real Host over HTTP: add, read, list, remove, bulk add; the number in the path forgiving.</summary>
[Collection("Azurite")]
public sealed class SuppressionApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private ConnectorHostHarness _host = null!;

    public async Task InitializeAsync() => _host = await StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static Uri At(string phone) => new($"/api/suppressions/{phone}", UriKind.Relative);

    /// <summary>
    /// A fresh US number. The list answers the first 1,000 numbers in E.164 order and the Azurite tables are shared by
    /// the collection (the bulk test adds 2,500 +4478… numbers): a +1 number sorts before those, so it is listed.
    /// </summary>
    private static string Unique() => "+1212" + Random.Shared.Next(1_000_000, 9_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Add_get_list_and_remove_a_number_with_the_plus_encoded_or_left_out()
    {
        var phone = Unique();
        var encoded = Uri.EscapeDataString(phone); // %2B…
        var bare = phone[1..];

        var added = await JsonAsync(await _host.Client.PutAsync(At(encoded), Json(new { reason = "asked not to be called" })), HttpStatusCode.OK);
        Assert.Equal(phone, added.GetProperty("phone").GetString());
        Assert.Equal("asked not to be called", added.GetProperty("reason").GetString());

        var read = await JsonAsync(await _host.Client.GetAsync(At(bare)), HttpStatusCode.OK);
        Assert.Equal(phone, read.GetProperty("phone").GetString());
        var readRaw = await JsonAsync(await _host.Client.GetAsync(At(phone)), HttpStatusCode.OK);
        Assert.Equal(phone, readRaw.GetProperty("phone").GetString());
        var list = await JsonAsync(await _host.Client.GetAsync(SuppressionsUri), HttpStatusCode.OK);
        Assert.Contains(list.GetProperty("suppressions").EnumerateArray(), s => s.GetProperty("phone").GetString() == phone);

        var removed = await JsonAsync(await _host.Client.DeleteAsync(At(bare)), HttpStatusCode.OK);
        Assert.True(removed.GetProperty("deleted").GetBoolean());
        var again = await JsonAsync(await _host.Client.DeleteAsync(At(encoded)), HttpStatusCode.OK);
        Assert.False(again.GetProperty("deleted").GetBoolean());
        await HttpAssert.ProblemAsync(await _host.Client.GetAsync(At(encoded)), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_put_without_a_body_suppresses_without_a_reason_and_a_second_put_replaces_the_reason()
    {
        var phone = Unique();

        var first = await JsonAsync(await _host.Client.PutAsync(At(Uri.EscapeDataString(phone)), null), HttpStatusCode.OK);
        var second = await JsonAsync(await _host.Client.PutAsync(At(Uri.EscapeDataString(phone)), Json(new { reason = "complaint" })), HttpStatusCode.OK);

        Assert.False(first.TryGetProperty("reason", out _));
        Assert.Equal("complaint", second.GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("12")]
    [InlineData("%2B0123456789")]
    [InlineData("not-a-number")]
    [InlineData("%2B1415555012345678")]
    public async Task A_malformed_number_in_the_path_is_400_naming_phone(string phone)
    {
        await HttpAssert.ProblemAsync(await _host.Client.PutAsync(At(phone), null), HttpStatusCode.BadRequest, "phone");
        await HttpAssert.ProblemAsync(await _host.Client.GetAsync(At(phone)), HttpStatusCode.BadRequest, "phone");
        await HttpAssert.ProblemAsync(await _host.Client.DeleteAsync(At(phone)), HttpStatusCode.BadRequest, "phone");
    }

    [Fact]
    public async Task Bulk_add_takes_thousands_at_once_and_every_number_is_then_suppressed()
    {
        var prefix = "+4478" + Random.Shared.Next(100, 999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var numbers = Enumerable.Range(0, 2_500).Select(i => new { phone = prefix + i.ToString("D5", System.Globalization.CultureInfo.InvariantCulture), reason = i % 2 == 0 ? "bulk" : null }).ToList();

        var result = await JsonAsync(await _host.Client.PostAsync(SuppressionsUri, Json(new { numbers })), HttpStatusCode.OK);

        Assert.Equal(2_500, result.GetProperty("added").GetInt32());
        foreach (var i in new[] { 0, 1_234, 2_499 })
        {
            var read = await JsonAsync(await _host.Client.GetAsync(At(Uri.EscapeDataString(numbers[i].phone))), HttpStatusCode.OK);
            Assert.Equal(numbers[i].phone, read.GetProperty("phone").GetString());
        }
    }

    [Theory]
    [InlineData("""{"numbers":[]}""", "numbers")]
    [InlineData("""{}""", "numbers")]
    [InlineData("""{"numbers":[{"phone":"+447900000001"},{"phone":"0790000000"}]}""", "numbers[1].phone")]
    [InlineData("""{"numbers":[{"phone":"+447900000001"},null]}""", "numbers[1]")]
    public async Task A_bad_bulk_add_is_400_naming_the_item_and_adds_nothing(string body, string field)
    {
        await HttpAssert.ProblemAsync(await _host.Client.PostAsync(SuppressionsUri, HttpAssert.Raw(body)), HttpStatusCode.BadRequest, field);

        await HttpAssert.ProblemAsync(await _host.Client.GetAsync(At("447900000001")), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task More_than_10000_numbers_are_refused()
    {
        var numbers = Enumerable.Range(0, 10_001).Select(i => new { phone = "+4477" + i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture) });

        await HttpAssert.ProblemAsync(await _host.Client.PostAsync(SuppressionsUri, Json(new { numbers })), HttpStatusCode.BadRequest, "numbers");

        await HttpAssert.ProblemAsync(await _host.Client.GetAsync(At("447700000000")), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Every_suppression_route_needs_the_function_key()
    {
        var phone = Unique();

        await HttpAssert.ProblemAsync(await _host.Anonymous.PutAsync(At(phone[1..]), null), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await _host.Anonymous.PostAsync(SuppressionsUri, Json(new { numbers = new[] { new { phone } } })), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await _host.Anonymous.GetAsync(SuppressionsUri), HttpStatusCode.Unauthorized);

        await HttpAssert.ProblemAsync(await _host.Client.GetAsync(At(phone[1..])), HttpStatusCode.NotFound);
    }
}
