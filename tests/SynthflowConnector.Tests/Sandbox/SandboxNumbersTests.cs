using System.Net;
using System.Text.Json;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Sandbox;

/// <summary>The workspace's numbers: <c>GET /numbers</c> and <c>GET /numbers/{slug}</c>.</summary>
public sealed class SandboxNumbersTests
{
    [Fact]
    public async Task List_returns_the_workspace_numbers_with_sid_and_availability()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync("numbers?workspace=demo-workspace&limit=100");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("ok", answer.Json.GetProperty("status").GetString());
        var response = answer.Json.GetProperty("response");
        Assert.Equal(14, response.GetProperty("pagination").GetProperty("total_records").GetInt32());
        var numbers = response.GetProperty("phone_numbers").EnumerateArray().ToDictionary(n => n.GetProperty("number").GetString()!);
        Assert.Equal(SandboxSeed.Numbers.Select(n => n.Number).Order(StringComparer.Ordinal), numbers.Keys.Order(StringComparer.Ordinal));

        // The list has no slug field; availability means "no inbound agent uses it".
        Assert.All(numbers.Values, n => Assert.False(n.TryGetProperty("slug", out _)));
        Assert.False(numbers[SandboxSeed.SanFrancisco2].GetProperty("is_available").GetBoolean());
        Assert.True(numbers[SandboxSeed.NewYork1].GetProperty("is_available").GetBoolean());
        Assert.Equal("PNd07578de05941bac37d7dd34bd2dfcc4", numbers[SandboxSeed.NewYork1].GetProperty("sid").GetString());
        Assert.True(!numbers[SandboxSeed.MiamiByo].TryGetProperty("sid", out var sid) || sid.ValueKind == JsonValueKind.Null);
    }

    [Fact]
    public async Task List_pages_and_filters_on_availability()
    {
        await using var http = await SandboxHttp.StartAsync();

        var page = await http.GetAsync("numbers?workspace=demo-workspace&limit=5&offset=10");
        var unavailable = await http.GetAsync("numbers?workspace=demo-workspace&is_available=false");

        Assert.Equal(
            SandboxSeed.Numbers.Skip(10).Select(n => n.Number),
            page.Json.GetProperty("response").GetProperty("phone_numbers").EnumerateArray().Select(n => n.GetProperty("number").GetString()));
        Assert.Equal(14, page.Json.GetProperty("response").GetProperty("pagination").GetProperty("total_records").GetInt32());
        var only = Assert.Single(unavailable.Json.GetProperty("response").GetProperty("phone_numbers").EnumerateArray().ToArray());
        Assert.Equal(SandboxSeed.SanFrancisco2, only.GetProperty("number").GetString());
        Assert.Equal(1, unavailable.Json.GetProperty("response").GetProperty("pagination").GetProperty("total_records").GetInt32());
    }

    [Theory]
    [InlineData("numbers")]
    [InlineData("numbers?workspace=")]
    [InlineData("numbers?workspace=someone-else")]
    [InlineData("numbers/12125550101")]
    [InlineData("numbers/12125550101?workspace=someone-else")]
    public async Task A_missing_or_wrong_workspace_is_a_400(string uri)
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync(uri);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("validation_error", answer.Category);
        Assert.Contains("orkspace", answer.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_number_hidden_from_the_list_stays_owned_as_BYO_numbers_can_be()
    {
        var sandbox = new SynthflowSandbox(new SandboxOptions { Seed = false });
        sandbox.AddNumber("+13055550199", sid: null, listedInNumbers: false);
        sandbox.AddAgent("agent", "Agent", AgentTypes.Outbound, ["+13055550199"]);
        await using var http = await SandboxHttp.StartAsync(sandbox);

        var list = await http.GetAsync("numbers?workspace=demo-workspace");
        var detail = await http.GetAsync("numbers/13055550199?workspace=demo-workspace");

        Assert.Equal(0, list.Json.GetProperty("response").GetProperty("phone_numbers").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, detail.Status);
        Assert.Equal("+13055550199", Assert.Single(sandbox.GetAgent("agent")!.AttachedPhoneNumbers!).Number);
    }

    [Fact]
    public async Task Get_returns_the_number_at_the_top_level_with_where_and_who_uses_it()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync("numbers/12125550101?workspace=demo-workspace");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var number = answer.Json;
        Assert.False(number.TryGetProperty("response", out _));
        Assert.Equal("12125550101", number.GetProperty("slug").GetString());
        Assert.Equal(SandboxSeed.NewYork1, number.GetProperty("phone_number").GetString());
        Assert.Equal("(212) 555-0101", number.GetProperty("friendly_name").GetString());
        Assert.Equal("US", number.GetProperty("iso_country").GetString());
        Assert.Equal("New York", number.GetProperty("locality").GetString());
        Assert.Equal("twilio", number.GetProperty("provider_name").GetString());
        Assert.Equal("demo-workspace", number.GetProperty("workspace_id").GetString());
        Assert.True(number.GetProperty("is_available").GetBoolean());
        Assert.Equal([SandboxSeed.SalesEastModelId], number.GetProperty("assistants").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Get_of_a_BYO_number_says_custom_and_omits_the_sid()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync("numbers/13055550112?workspace=demo-workspace");

        Assert.Equal("custom", answer.Json.GetProperty("provider_name").GetString());

        // The single-number schema declares sid as a plain string: absent rather than null.
        Assert.False(answer.Json.TryGetProperty("sid", out _));
        Assert.Equal([SandboxSeed.CollectionsModelId], answer.Json.GetProperty("assistants").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Get_of_the_inbound_agents_number_is_not_available()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync("numbers/14155550105?workspace=demo-workspace");

        Assert.False(answer.Json.GetProperty("is_available").GetBoolean());
        Assert.Equal([SandboxSeed.FrontDeskModelId], answer.Json.GetProperty("assistants").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Get_of_a_number_the_workspace_does_not_own_is_a_404()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync("numbers/19995550100?workspace=demo-workspace");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("not_found", answer.Category);
        Assert.Contains("19995550100", answer.Description, StringComparison.Ordinal);
    }
}
