using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Tests.Contract;

namespace SynthflowConnector.Tests.Sandbox;

/// <summary>Calls live on the sandbox's clock: pending, in progress half-way, then the outcome their number picks.</summary>
public sealed class SandboxCallLifecycleTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-03-02T10:00:00Z", CultureInfo.InvariantCulture);
    private static readonly OpenApiContract Contract = OpenApiContract.Load();

    /// <summary>Last digit → (status, end_call_reason, connected, recorded, custom_end_call_reason).</summary>
    public static TheoryData<int, string, string?, bool, bool, string?> Table => new()
    {
        { 0, "completed", "agent_ended_call", true, true, null },
        { 1, "completed", "human_ended_call", true, true, null },
        { 2, "completed", "custom_end_call", true, true, "callback_requested" },
        { 3, "completed", "human_ended_call", true, true, null },
        { 4, "no-answer", "timeout", false, false, null },
        { 5, "busy", null, false, false, null },
        { 6, "failed", "error", false, false, null },
        { 7, "left_voicemail", "voicemail_message_left", true, true, null },
        { 8, "hangup_on_voicemail", "voicemail", true, false, null },
        { 9, "completed", "agent_ended_call", true, true, null },
    };

    [Fact]
    public void A_default_sandbox_lives_calls_for_three_seconds_without_limits()
    {
        var sandbox = new SynthflowSandbox();

        Assert.Equal(TimeSpan.FromSeconds(3), sandbox.CallDuration);
        Assert.Null(sandbox.CallsPerSecond);
        Assert.Null(sandbox.MaxConcurrentCalls);
        Assert.Equal(TimeSpan.Zero, sandbox.Webhooks.Delay);
        Assert.False(sandbox.Webhooks.DropAll);
        Assert.False(sandbox.Webhooks.DuplicateAll);
        Assert.Throws<ArgumentOutOfRangeException>(() => sandbox.CallDuration = TimeSpan.Zero);
    }

    [Fact]
    public async Task A_call_is_pending_then_in_progress_half_way_then_ends_after_its_duration()
    {
        var time = new FakeTimeProvider(Start);
        await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(new SandboxOptions { CallDuration = TimeSpan.FromSeconds(10) }, time));
        var callId = await PlaceAsync(http, "+16175550100");

        Assert.Equal("pending", (await GetAsync(http, callId)).GetProperty("status").GetString());
        time.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.Equal("pending", (await GetAsync(http, callId)).GetProperty("status").GetString());
        time.Advance(TimeSpan.FromMilliseconds(1));
        var live = await GetAsync(http, callId);
        Assert.Equal("in-progress", live.GetProperty("status").GetString());
        Assert.False(live.TryGetProperty("recording_url", out _));
        Assert.Equal(1, http.Sandbox.LiveCallCount);
        time.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.Equal("in-progress", (await GetAsync(http, callId)).GetProperty("status").GetString());
        time.Advance(TimeSpan.FromMilliseconds(1));

        var ended = await GetAsync(http, callId);
        Assert.Equal("completed", ended.GetProperty("status").GetString());
        Assert.Equal("agent_ended_call", ended.GetProperty("end_call_reason").GetString());
        Assert.Equal(10, ended.GetProperty("duration").GetInt32());
        Assert.Equal(Start.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), ended.GetProperty("start_time").GetString());
        Assert.StartsWith("https://", ended.GetProperty("recording_url").GetString(), StringComparison.Ordinal);
        Assert.Contains("bot: Hello Ada", ended.GetProperty("transcript").GetString(), StringComparison.Ordinal);
        var call = Assert.Single(http.Sandbox.Calls);
        Assert.Equal(Start.AddSeconds(10), call.EndedAt);
        Assert.True(call.HasEnded);
        Assert.Equal(0, http.Sandbox.LiveCallCount);
        var listed = (await http.GetAsync($"calls?model_id={SandboxSeed.SalesEastModelId}")).Json.GetProperty("response").GetProperty("calls")[0];
        Assert.Equal("completed", listed.GetProperty("call_status").GetString());
        Assert.Equal(10, listed.GetProperty("duration").GetInt32());
    }

    [Fact]
    public async Task Call_duration_is_a_runtime_knob_and_calls_keep_the_duration_they_were_placed_with()
    {
        var time = new FakeTimeProvider(Start);
        await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(timeProvider: time));
        var threeSeconds = await PlaceAsync(http, "+16175550100");
        http.Sandbox.CallDuration = TimeSpan.FromSeconds(60);
        var oneMinute = await PlaceAsync(http, "+16175550100");

        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("completed", (await GetAsync(http, threeSeconds)).GetProperty("status").GetString());
        Assert.Equal(3, (await GetAsync(http, threeSeconds)).GetProperty("duration").GetInt32());
        Assert.Equal("pending", (await GetAsync(http, oneMinute)).GetProperty("status").GetString());
        time.Advance(TimeSpan.FromSeconds(27));
        Assert.Equal("in-progress", (await GetAsync(http, oneMinute)).GetProperty("status").GetString());
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(60, (await GetAsync(http, oneMinute)).GetProperty("duration").GetInt32());
    }

    [Fact]
    public async Task A_call_moved_by_hand_leaves_the_automatic_lifecycle()
    {
        var time = new FakeTimeProvider(Start);
        await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(timeProvider: time));
        var ringing = await PlaceAsync(http, "+16175550100");
        var busy = await PlaceAsync(http, "+16175550100");

        http.Sandbox.SetCallStatus(ringing, "ringing");
        http.Sandbox.SetCallStatus(busy, "busy");
        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal("ringing", (await GetAsync(http, ringing)).GetProperty("status").GetString());
        var ended = await GetAsync(http, busy);
        Assert.Equal("busy", ended.GetProperty("status").GetString());
        Assert.Equal(0, ended.GetProperty("duration").GetInt32());
        Assert.Equal("busy", http.Sandbox.Calls.Single(c => c.CallId == busy).Outcome!.Status);
    }

    [Theory]
    [MemberData(nameof(Table))]
    public async Task The_last_digit_of_the_number_picks_the_outcome(int digit, string status, string? reason, bool connected, bool recorded, string? custom)
    {
        var time = new FakeTimeProvider(Start);
        await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(timeProvider: time));
        var phone = "+1617555010" + digit.ToString(CultureInfo.InvariantCulture);
        var callId = await PlaceAsync(http, phone);

        time.Advance(TimeSpan.FromSeconds(3));
        var answer = await http.GetAsync($"calls/{callId}");
        var list = await http.GetAsync($"calls?model_id={SandboxSeed.SalesEastModelId}");

        Assert.Equal(status, SandboxOutcomes.For(phone).Status);
        Assert.Empty(Contract.ValidateResponse("/calls/{call_id}", "GET", 200, answer.Json));
        Assert.Empty(Contract.ValidateResponse("/calls", "GET", 200, list.Json));
        var call = answer.Json.GetProperty("response").GetProperty("calls")[0];
        Assert.Equal(status, call.GetProperty("status").GetString());
        Assert.Equal(reason, call.TryGetProperty("end_call_reason", out var r) ? r.GetString() : null);
        Assert.Equal(custom, call.TryGetProperty("custom_end_call_reason", out var c) ? c.GetString() : null);
        Assert.Equal(connected ? 3 : 0, call.GetProperty("duration").GetInt32());
        Assert.Equal(recorded, call.TryGetProperty("recording_url", out _));
        Assert.Equal(status == "failed", call.GetProperty("error_message").GetString()!.Length > 0);
        Assert.Equal(status is "completed" or "left_voicemail", call.GetProperty("transcript").GetString()!.Length > 0);
        Assert.Equal(status == "completed", call.GetProperty("executed_actions").EnumerateObject().Any());
        Assert.Equal(JsonValueKind.Object, call.GetProperty("collected_variables").GetProperty(SandboxSeed.SalesEastModelId).ValueKind);
    }

    [Theory]
    [InlineData("\"ftp://example.com/hook\"")]
    [InlineData("\"/api/webhooks/synthflow\"")]
    [InlineData("\"not a url\"")]
    [InlineData("42")]
    public async Task An_external_webhook_url_that_is_not_an_absolute_http_url_is_a_400(string value)
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Post, "calls", $$"""{"model_id":"{{SandboxSeed.SalesEastModelId}}","phone":"+16175550100","name":"Ada","external_webhook_url":{{value}}}""");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("validation_error", answer.Category);
        Assert.Contains("external_webhook_url", answer.Description, StringComparison.Ordinal);
        Assert.Empty(http.Sandbox.Calls);
    }

    [Fact]
    public async Task An_http_or_https_external_webhook_url_is_kept_with_the_call()
    {
        await using var http = await SandboxHttp.StartAsync();

        await PlaceAsync(http, "+16175550100", """ ,"external_webhook_url":"https://hooks.example.com/synthflow?x=1" """);

        Assert.Equal("https://hooks.example.com/synthflow?x=1", Assert.Single(http.Sandbox.Calls).ExternalWebhookUrl);
    }

    internal static async Task<string> PlaceAsync(SandboxHttp http, string phone, string extra = "", string name = "Ada")
    {
        var answer = await http.SendAsync(HttpMethod.Post, "calls", $$"""{"model_id":"{{SandboxSeed.SalesEastModelId}}","phone":"{{phone}}","name":"{{name}}"{{extra}}}""");
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        return answer.Json.GetProperty("response").GetProperty("call_id").GetString()!;
    }

    private static async Task<JsonElement> GetAsync(SandboxHttp http, string callId) =>
        (await http.GetAsync($"calls/{callId}")).Json.GetProperty("response").GetProperty("calls")[0];
}
