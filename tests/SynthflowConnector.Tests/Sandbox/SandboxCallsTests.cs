using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Sandbox;

namespace SynthflowConnector.Tests.Sandbox;

/// <summary>Placing calls with a chosen caller ID, reading one back, and searching them.</summary>
public sealed class SandboxCallsTests
{
    private const string Lead = "+16175550199";
    private const string OtherLead = "+16175550198";

    [Fact]
    public async Task Placing_a_call_from_an_attached_number_creates_a_pending_call()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-02T10:00:00Z", CultureInfo.InvariantCulture));
        await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(timeProvider: time));

        var answer = await PlaceAsync(http, $$"""
            {"model_id":"{{SandboxSeed.SalesEastModelId}}","phone":"{{Lead}}","name":"Ada Lovelace","from_phone_number":"{{SandboxSeed.NewYork2}}",
             "custom_variables":[{"key":"order","value":"A-17"}],"lead_email":"ada@example.com","lead_timezone":"America/New_York","prompt":"p","greeting":"g"}
            """);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("success", answer.Json.GetProperty("status").GetString());
        Assert.Equal("ok", answer.Json.GetProperty("response").GetProperty("answer").GetString());
        Assert.Equal(2, answer.Json.GetProperty("eta").GetInt32());
        var callId = answer.Json.GetProperty("response").GetProperty("call_id").GetString()!;
        Assert.True(Guid.TryParse(callId, out _));
        var call = Assert.Single(http.Sandbox.Calls);
        Assert.Equal(callId, call.CallId);
        Assert.Equal(SandboxSeed.SalesEastModelId, call.ModelId);
        Assert.Equal("pending", call.Status);
        Assert.Equal(SandboxSeed.NewYork2, call.PhoneNumberFrom);
        Assert.Equal(Lead, call.PhoneNumberTo);
        Assert.Equal(Lead, call.LeadPhoneNumber);
        Assert.Equal("Ada Lovelace", call.Name);
        Assert.Equal(0, call.Duration);
        Assert.Equal(time.GetUtcNow(), call.StartTime);
    }

    [Fact]
    public async Task Without_a_caller_id_the_pools_first_number_is_used()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await PlaceAsync(http, $$"""{"model_id":"{{SandboxSeed.SalesWestModelId}}","phone":"{{Lead}}","name":"Ada"}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(SandboxSeed.SanFrancisco1, Assert.Single(http.Sandbox.Calls).PhoneNumberFrom);
    }

    [Fact]
    public async Task Without_a_caller_id_and_with_an_empty_pool_it_is_a_400()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await PlaceAsync(http, $$"""{"model_id":"{{SandboxSeed.AppointmentRemindersModelId}}","phone":"{{Lead}}","name":"Ada"}""");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Empty(http.Sandbox.Calls);
    }

    [Fact]
    public async Task A_caller_id_that_is_not_attached_to_the_agent_is_a_400_naming_it()
    {
        await using var http = await SandboxHttp.StartAsync();

        // Owned by the workspace and attached to another agent, but not to this one.
        var answer = await PlaceAsync(http, $$"""{"model_id":"{{SandboxSeed.SalesEastModelId}}","phone":"{{Lead}}","name":"Ada","from_phone_number":"{{SandboxSeed.SanFrancisco1}}"}""");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("validation_error", answer.Category);
        Assert.Contains(SandboxSeed.SanFrancisco1, answer.Description, StringComparison.Ordinal);
        Assert.Contains("not attached", answer.Description, StringComparison.Ordinal);
        Assert.Empty(http.Sandbox.Calls);
    }

    [Theory]
    [InlineData("""{"phone":"+16175550199","name":"Ada"}""", "model_id")]
    [InlineData("""{"model_id":"6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0001","name":"Ada"}""", "phone")]
    [InlineData("""{"model_id":"6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0001","phone":"+16175550199"}""", "name")]
    [InlineData("""{"model_id":"6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0001","phone":"+16175550199","name":""}""", "name")]
    [InlineData("""{"model_id":42,"phone":"+16175550199","name":"Ada"}""", "model_id")]
    [InlineData("""{"model_id":"6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0001","phone":"617-555-0199","name":"Ada"}""", "E.164")]
    [InlineData("""{"model_id":"6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0001","phone":"+16175550199","name":"Ada","custom_variables":{"order":"A-17"}}""", "custom_variables")]
    [InlineData("""{"model_id":"6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0001","phone":"+16175550199","name":"Ada","custom_variables":[{"key":"order"}]}""", "custom_variables")]
    [InlineData("""{"model_id":"6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0001","phone":"+16175550199","name":"Ada","custom_variables":[{"key":"n","value":17}]}""", "custom_variables")]
    [InlineData("""{"model_id":"6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0001","phone":"+16175550199","name":"Ada","from_phone_number":12125550101}""", "from_phone_number")]
    [InlineData("""{"model_id":"6a1f3c52-0e4b-4d8a-9c11-5a0e7b2d0001",""", "JSON object")]
    [InlineData("", "JSON object")]
    public async Task An_invalid_call_request_is_a_400_that_names_the_problem(string body, string named)
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await PlaceAsync(http, body);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains(named, answer.Description, StringComparison.Ordinal);
        Assert.Empty(http.Sandbox.Calls);
    }

    [Fact]
    public async Task A_call_with_an_unknown_agent_is_a_404()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await PlaceAsync(http, $$"""{"model_id":"no-such-agent","phone":"{{Lead}}","name":"Ada"}""");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("not_found", answer.Category);
    }

    [Fact]
    public async Task A_call_with_an_inbound_agent_is_a_400()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await PlaceAsync(http, $$"""{"model_id":"{{SandboxSeed.FrontDeskModelId}}","phone":"{{Lead}}","name":"Ada"}""");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("outbound", answer.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_returns_the_call_as_a_list_with_status()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-02T10:00:00Z", CultureInfo.InvariantCulture));
        await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(timeProvider: time));
        var callId = await PlaceCallIdAsync(http, Lead, SandboxSeed.NewYork3);

        var answer = await http.GetAsync($"calls/{callId}");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var response = answer.Json.GetProperty("response");
        Assert.Equal("""{"total_records":1,"limit":1,"offset":0}""", response.GetProperty("pagination").GetRawText());
        var call = Assert.Single(response.GetProperty("calls").EnumerateArray().ToArray());
        Assert.Equal(callId, call.GetProperty("call_id").GetString());
        Assert.Equal(SandboxSeed.SalesEastModelId, call.GetProperty("model_id").GetString());
        Assert.Equal("pending", call.GetProperty("status").GetString());
        Assert.False(call.TryGetProperty("call_status", out _));
        Assert.Equal(SandboxSeed.NewYork3, call.GetProperty("phone_number_from").GetString());
        Assert.Equal(Lead, call.GetProperty("phone_number_to").GetString());
        Assert.Equal(0, call.GetProperty("duration").GetInt32());
        Assert.Equal(time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), call.GetProperty("start_time").GetString());
    }

    [Fact]
    public async Task A_call_moved_on_by_the_test_reads_back_with_its_new_status()
    {
        await using var http = await SandboxHttp.StartAsync();
        var callId = await PlaceCallIdAsync(http, Lead);

        http.Sandbox.SetCallStatus(callId, "completed", "human_ended_call", durationSeconds: 42);
        var answer = await http.GetAsync($"calls/{callId}");

        var call = answer.Json.GetProperty("response").GetProperty("calls")[0];
        Assert.Equal("completed", call.GetProperty("status").GetString());
        Assert.Equal("human_ended_call", call.GetProperty("end_call_reason").GetString());
        Assert.Equal(42, call.GetProperty("duration").GetInt32());
        Assert.Throws<ArgumentException>(() => http.Sandbox.SetCallStatus(callId, "exploded"));
        Assert.Throws<KeyNotFoundException>(() => http.Sandbox.SetCallStatus("no-such-call", "completed"));
    }

    [Fact]
    public async Task Get_of_an_unknown_call_is_a_404_in_the_detail_envelope()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync("calls/00000000-0000-0000-0000-000000000000");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("not_found", answer.Category);
        Assert.Equal("error", answer.Detail.GetProperty("status").GetString());
    }

    [Fact]
    public async Task List_filters_by_agent_lead_and_time_window_newest_first_with_call_status()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-02T10:00:00Z", CultureInfo.InvariantCulture));

        // Calls that outlive the minutes this test advances, so they are all still pending when listed.
        await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(new SandboxOptions { CallDuration = TimeSpan.FromHours(1) }, time));
        var first = await PlaceCallIdAsync(http, Lead);
        time.Advance(TimeSpan.FromMinutes(1));
        var windowStart = time.GetUtcNow().ToUnixTimeMilliseconds();
        var second = await PlaceCallIdAsync(http, Lead);
        var otherLead = await PlaceCallIdAsync(http, OtherLead);
        time.Advance(TimeSpan.FromMinutes(1));
        var third = await PlaceCallIdAsync(http, Lead);
        var windowEnd = time.GetUtcNow().ToUnixTimeMilliseconds();
        time.Advance(TimeSpan.FromMinutes(1));
        var fourth = await PlaceCallIdAsync(http, Lead);
        await PlaceAsync(http, $$"""{"model_id":"{{SandboxSeed.SalesWestModelId}}","phone":"{{Lead}}","name":"Ada"}""");

        // '+' travels as %2B (a raw '+' in a query string means a space).
        var answer = await http.GetAsync($"calls?model_id={SandboxSeed.SalesEastModelId}&lead_phone_number=%2B16175550199&from_date={windowStart}&to_date={windowEnd}");
        var everyLead = await http.GetAsync($"calls?model_id={SandboxSeed.SalesEastModelId}");
        var rawPlus = await http.GetAsync($"calls?model_id={SandboxSeed.SalesEastModelId}&lead_phone_number=+16175550199");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var calls = answer.Json.GetProperty("response").GetProperty("calls").EnumerateArray().ToArray();
        Assert.Equal([third, second], calls.Select(c => c.GetProperty("call_id").GetString()));
        Assert.Equal(2, answer.Json.GetProperty("response").GetProperty("pagination").GetProperty("total_records").GetInt32());
        Assert.All(calls, c =>
        {
            Assert.Equal("pending", c.GetProperty("call_status").GetString());
            Assert.False(c.TryGetProperty("status", out _));
            Assert.Equal(Lead, c.GetProperty("lead_phone_number").GetString());
            Assert.Equal(SandboxSeed.SalesEastModelId, c.GetProperty("model_id").GetString());
            Assert.Equal(SandboxSeed.NewYork1, c.GetProperty("phone_number_from").GetString());
            Assert.Equal(Lead, c.GetProperty("phone_number_to").GetString());
            Assert.Equal(JsonValueKind.String, c.GetProperty("start_time").ValueKind);
        });
        Assert.Equal(
            [fourth, third, otherLead, second, first],
            everyLead.Json.GetProperty("response").GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("call_id").GetString()));
        Assert.Equal(0, rawPlus.Json.GetProperty("response").GetProperty("calls").GetArrayLength());
    }

    [Fact]
    public async Task List_filters_by_call_status_and_duration()
    {
        await using var http = await SandboxHttp.StartAsync();
        var done = await PlaceCallIdAsync(http, Lead);
        await PlaceCallIdAsync(http, Lead);
        http.Sandbox.SetCallStatus(done, "completed", durationSeconds: 30);

        var completed = await http.GetAsync($"calls?model_id={SandboxSeed.SalesEastModelId}&call_status=completed");
        var longOnes = await http.GetAsync($"calls?model_id={SandboxSeed.SalesEastModelId}&duration_min=10&duration_max=60");

        Assert.Equal(done, Assert.Single(completed.Json.GetProperty("response").GetProperty("calls").EnumerateArray().ToArray()).GetProperty("call_id").GetString());
        Assert.Equal(done, Assert.Single(longOnes.Json.GetProperty("response").GetProperty("calls").EnumerateArray().ToArray()).GetProperty("call_id").GetString());
    }

    [Fact]
    public async Task List_pages_through_the_matching_calls()
    {
        await using var http = await SandboxHttp.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            await PlaceCallIdAsync(http, Lead);
        }

        var newestFirst = http.Sandbox.Calls.Select(c => c.CallId).Reverse().ToArray();
        var page = await http.GetAsync($"calls?model_id={SandboxSeed.SalesEastModelId}&limit=2&offset=2");

        var response = page.Json.GetProperty("response");
        Assert.Equal(newestFirst[2..4], response.GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("call_id").GetString()));
        Assert.Equal(5, response.GetProperty("pagination").GetProperty("total_records").GetInt32());
        Assert.Equal(2, response.GetProperty("pagination").GetProperty("limit").GetInt32());
        Assert.Equal(2, response.GetProperty("pagination").GetProperty("offset").GetInt32());
    }

    [Theory]
    [InlineData("calls", "model_id")]
    [InlineData("calls?lead_phone_number=%2B16175550199", "model_id")]
    [InlineData("calls?model_id=x&from_date=yesterday", "from_date")]
    [InlineData("calls?model_id=x&to_date=1.5", "to_date")]
    public async Task List_with_missing_model_id_or_bad_dates_is_a_400(string uri, string named)
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync(uri);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains(named, answer.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_for_an_agent_without_calls_is_empty()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync("calls?model_id=no-such-agent");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(0, answer.Json.GetProperty("response").GetProperty("calls").GetArrayLength());
        Assert.Equal(0, answer.Json.GetProperty("response").GetProperty("pagination").GetProperty("total_records").GetInt32());
    }

    internal static Task<Answer> PlaceAsync(SandboxHttp http, string body, CancellationToken cancellationToken = default) =>
        http.SendAsync(HttpMethod.Post, "calls", body, cancellationToken);

    private static async Task<string> PlaceCallIdAsync(SandboxHttp http, string lead, string? from = null)
    {
        var fromField = from is null ? string.Empty : $",\"from_phone_number\":\"{from}\"";
        var answer = await PlaceAsync(http, $$"""{"model_id":"{{SandboxSeed.SalesEastModelId}}","phone":"{{lead}}","name":"Ada"{{fromField}}}""");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        return answer.Json.GetProperty("response").GetProperty("call_id").GetString()!;
    }
}
