using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Sandbox;
using static SynthflowConnector.Tests.Sandbox.SandboxCallLifecycleTests;

namespace SynthflowConnector.Tests.Sandbox;

/// <summary>The signed post-call webhook, POSTed over real HTTP to a loopback receiver, and its knobs.</summary>
public sealed class SandboxWebhookTests : IAsyncLifetime
{
    private const string Secret = "whsec-sandbox-test";
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-03-02T10:00:00Z", CultureInfo.InvariantCulture);
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(Start);
    private WebhookReceiver _receiver = null!;
    private SandboxHttp _http = null!;

    private SandboxWebhooks Webhooks => _http.Sandbox.Webhooks;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _http = await SandboxHttp.StartAsync(new SynthflowSandbox(new SandboxOptions { WebhookSecret = Secret }, _time));
    }

    public async Task DisposeAsync()
    {
        await _http.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task An_ended_call_posts_the_documented_payload_signed_with_the_secret()
    {
        var callId = await PlaceAsync(_http, "+16175550190", Hook(_receiver.Url) + ""","lead_timezone":"Europe/Berlin" """, name: "Ada Lovelace");
        Assert.Empty(Webhooks.Attempts);

        _time.Advance(TimeSpan.FromSeconds(3));
        await Webhooks.WhenAttemptedAsync(1).WaitAsync(Guard);

        var hook = Assert.Single(_receiver.Received);
        Assert.Equal("/hooks/synthflow", hook.Path);
        Assert.StartsWith("application/json", hook.ContentType, StringComparison.Ordinal);
        Assert.True(CryptographicOperations.FixedTimeEquals(
            Convert.FromBase64String(hook.Signature!),
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(callId))));
        using var document = JsonDocument.Parse(hook.Body);
        var root = document.RootElement;
        Assert.Equal(["status", "error_message", "lead", "call", "executed_actions", "analysis", "collected_variables"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("completed", root.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("error_message").ValueKind);
        Assert.Equal("Ada Lovelace", root.GetProperty("lead").GetProperty("name").GetString());
        Assert.Equal("+16175550190", root.GetProperty("lead").GetProperty("phone_number").GetString());

        var call = root.GetProperty("call");
        Assert.Equal(
            ["status", "end_call_reason", "model_id", "timezone", "call_id", "duration", "start_time", "transcript", "recording_url", "diversion", "external_id"],
            call.EnumerateObject().Select(p => p.Name));
        Assert.Equal("completed", call.GetProperty("status").GetString());
        Assert.Equal("agent_ended_call", call.GetProperty("end_call_reason").GetString());
        Assert.Equal(SandboxSeed.SalesEastModelId, call.GetProperty("model_id").GetString());
        Assert.Equal("Europe/Berlin", call.GetProperty("timezone").GetString());
        Assert.Equal(callId, call.GetProperty("call_id").GetString());
        Assert.Equal(3, call.GetProperty("duration").GetInt32());
        Assert.Equal("2026-03-02T11:00:00.000000+01:00", call.GetProperty("start_time").GetString());
        Assert.StartsWith("\nbot: Hello Ada Lovelace", call.GetProperty("transcript").GetString(), StringComparison.Ordinal);
        var stored = Assert.Single(_http.Sandbox.Calls);
        Assert.Equal(stored.RecordingUrl, call.GetProperty("recording_url").GetString());
        Assert.Equal(JsonValueKind.Null, call.GetProperty("diversion").ValueKind);

        var action = root.GetProperty("executed_actions").GetProperty("extract_info_1");
        Assert.Equal("extract_info_action_type", action.GetProperty("action_type").GetString());
        Assert.Equal("yes", action.GetProperty("return_value").GetProperty("interested").GetString());
        var analysis = root.GetProperty("analysis");
        Assert.All(SandboxOutcomes.AnalysisFields, field =>
        {
            Assert.True(analysis.TryGetProperty(field, out _), field);
            Assert.False(string.IsNullOrEmpty(analysis.GetProperty(field + "_feedback").GetString()), field);
        });
        Assert.True(analysis.GetProperty("call_completion").GetBoolean());
        Assert.True(analysis.GetProperty("answered_by_human").GetBoolean());
        Assert.Equal("Thursday", root.GetProperty("collected_variables").GetProperty("preferred_day").GetString());

        var attempt = Assert.Single(Webhooks.Attempts);
        Assert.Equal(new SandboxWebhookAttempt(callId, _receiver.Url, Start.AddSeconds(3), 200, null, IsDuplicate: false, Dropped: false), attempt);
    }

    [Theory]
    [InlineData("+16175550102", "completed", "callback_requested", null)]
    [InlineData("+16175550106", "failed", null, "The carrier rejected the call (Synthflow sandbox).")]
    [InlineData("+16175550104", "no-answer", null, null)]
    public async Task Other_outcomes_carry_their_own_status_and_reasons(string phone, string status, string? custom, string? error)
    {
        await PlaceAsync(_http, phone, Hook(_receiver.Url));

        _time.Advance(TimeSpan.FromSeconds(3));
        await _receiver.WhenReceivedAsync(1);

        using var document = JsonDocument.Parse(Assert.Single(_receiver.Received).Body);
        var root = document.RootElement;
        Assert.Equal(status, root.GetProperty("status").GetString());
        Assert.Equal(status, root.GetProperty("call").GetProperty("status").GetString());
        Assert.Equal(custom, root.TryGetProperty("custom_end_call_reason", out var c) ? c.GetString() : null);
        Assert.Equal(custom, root.GetProperty("call").TryGetProperty("custom_end_call_reason", out var cc) ? cc.GetString() : null);
        Assert.Equal(error, root.GetProperty("error_message").GetString());
        Assert.Equal(status == "completed", root.GetProperty("analysis").GetProperty("answered_by_human").GetBoolean());
        Assert.Equal(status == "completed" ? JsonValueKind.String : JsonValueKind.Null, root.GetProperty("call").GetProperty("recording_url").ValueKind);
    }

    [Fact]
    public async Task Without_a_secret_there_is_no_signature_header_and_without_a_url_no_webhook()
    {
        await using var unsigned = await SandboxHttp.StartAsync(new SynthflowSandbox(timeProvider: _time));
        await PlaceAsync(unsigned, "+16175550190", Hook(_receiver.Url));
        await PlaceAsync(unsigned, "+16175550190");

        _time.Advance(TimeSpan.FromSeconds(3));
        await unsigned.Sandbox.Webhooks.WhenAttemptedAsync(1).WaitAsync(Guard);

        Assert.Null(Assert.Single(_receiver.Received).Signature);
        Assert.Single(unsigned.Sandbox.Webhooks.Attempts);
        Assert.All(unsigned.Sandbox.Calls, c => Assert.Equal("completed", c.Status));
    }

    [Fact]
    public async Task Drop_next_drops_that_many_webhooks_and_logs_them_as_dropped()
    {
        Webhooks.DropNext(1);
        var dropped = await PlaceAsync(_http, "+16175550190", Hook(_receiver.Url));
        var sent = await PlaceAsync(_http, "+16175550190", Hook(_receiver.Url));

        _time.Advance(TimeSpan.FromSeconds(3));
        await Webhooks.WhenAttemptedAsync(2).WaitAsync(Guard);

        Assert.True(Webhooks.Attempts.Single(a => a.CallId == dropped).Dropped);
        Assert.Equal(200, Webhooks.Attempts.Single(a => a.CallId == sent).StatusCode);
        using var document = JsonDocument.Parse(Assert.Single(_receiver.Received).Body);
        Assert.Equal(sent, document.RootElement.GetProperty("call").GetProperty("call_id").GetString());
    }

    [Fact]
    public async Task Drop_all_and_a_drop_rate_of_one_drop_everything_until_turned_off()
    {
        await using var dropping = await SandboxHttp.StartAsync(new SynthflowSandbox(new SandboxOptions { DropWebhooks = true, WebhookSecret = Secret }, _time));
        await PlaceAsync(dropping, "+16175550190", Hook(_receiver.Url));
        _time.Advance(TimeSpan.FromSeconds(3));
        dropping.Sandbox.Webhooks.DropAll = false;
        dropping.Sandbox.Webhooks.DropRate = 1;
        await PlaceAsync(dropping, "+16175550190", Hook(_receiver.Url));
        _time.Advance(TimeSpan.FromSeconds(3));
        dropping.Sandbox.Webhooks.DropRate = 0;
        var delivered = await PlaceAsync(dropping, "+16175550190", Hook(_receiver.Url));

        _time.Advance(TimeSpan.FromSeconds(3));
        await _receiver.WhenReceivedAsync(1);
        await dropping.Sandbox.Webhooks.WhenAttemptedAsync(3).WaitAsync(Guard);

        Assert.Equal([true, true, false], dropping.Sandbox.Webhooks.Attempts.Select(a => a.Dropped));
        using var document = JsonDocument.Parse(Assert.Single(_receiver.Received).Body);
        Assert.Equal(delivered, document.RootElement.GetProperty("call").GetProperty("call_id").GetString());
    }

    [Fact]
    public async Task Duplicate_sends_the_same_signed_webhook_twice()
    {
        Webhooks.DuplicateNext(1);
        var callId = await PlaceAsync(_http, "+16175550197", Hook(_receiver.Url));

        _time.Advance(TimeSpan.FromSeconds(3));
        await Webhooks.WhenAttemptedAsync(2).WaitAsync(Guard);

        var received = _receiver.Received;
        Assert.Equal(2, received.Count);
        Assert.Equal(received[0].Body, received[1].Body);
        Assert.Equal(received[0].Signature, received[1].Signature);
        Assert.Equal([false, true], Webhooks.Attempts.Select(a => a.IsDuplicate).Order());
        Assert.All(Webhooks.Attempts, a => Assert.Equal(callId, a.CallId));
    }

    [Fact]
    public async Task Delay_holds_the_webhook_on_the_sandbox_clock()
    {
        Webhooks.Delay = TimeSpan.FromSeconds(30);
        var callId = await PlaceAsync(_http, "+16175550190", Hook(_receiver.Url));

        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("completed", Assert.Single(_http.Sandbox.Calls).Status);
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Empty(Webhooks.Attempts);
        Assert.Empty(_receiver.Received);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Webhooks.WhenAttemptedAsync(1).WaitAsync(Guard);

        var attempt = Assert.Single(Webhooks.Attempts);
        Assert.Equal(callId, attempt.CallId);
        Assert.Equal(Start.AddSeconds(33), attempt.At);
        Assert.Single(_receiver.Received);
    }

    [Fact]
    public async Task A_failing_or_unreachable_receiver_is_logged_and_never_retried()
    {
        _receiver.StatusCode = 500;
        var closed = await WebhookReceiver.StartAsync();
        var unreachable = closed.Url;
        await closed.DisposeAsync();
        var failing = await PlaceAsync(_http, "+16175550190", Hook(_receiver.Url));
        var refused = await PlaceAsync(_http, "+16175550190", Hook(unreachable));

        _time.Advance(TimeSpan.FromSeconds(3));
        await Webhooks.WhenAttemptedAsync(2).WaitAsync(Guard);
        var later = await PlaceAsync(_http, "+16175550190", Hook(_receiver.Url));
        _time.Advance(TimeSpan.FromMinutes(10));
        await Webhooks.WhenAttemptedAsync(3).WaitAsync(Guard);

        Assert.Equal(500, Webhooks.Attempts.Single(a => a.CallId == failing).StatusCode);
        var noAnswer = Webhooks.Attempts.Single(a => a.CallId == refused);
        Assert.Null(noAnswer.StatusCode);
        Assert.NotNull(noAnswer.Error);
        Assert.Single(Webhooks.Attempts, a => a.CallId == later);
        Assert.Equal(2, _receiver.Received.Count);
    }

    [Fact]
    public async Task A_slow_receiver_blocks_neither_the_api_nor_the_clock_and_dispose_stops_the_sender()
    {
        _receiver.Hold();
        var first = await PlaceAsync(_http, "+16175550190", Hook(_receiver.Url));
        _time.Advance(TimeSpan.FromSeconds(3));
        await _receiver.WhenReceivedAsync(1);

        // The webhook is in flight, held by the receiver: the API answers and calls still move on.
        var second = await PlaceAsync(_http, "+16175550100");
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal("completed", (await _http.GetAsync($"calls/{second}")).Json.GetProperty("response").GetProperty("calls")[0].GetProperty("status").GetString());

        await _http.Sandbox.DisposeAsync().AsTask().WaitAsync(Guard);

        Assert.DoesNotContain(Webhooks.Attempts, a => a.CallId == first);
    }

    private static string Hook(string url) => $$""","external_webhook_url":"{{url}}" """;
}
