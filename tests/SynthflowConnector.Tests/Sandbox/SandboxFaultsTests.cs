using System.Net;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Sandbox;

namespace SynthflowConnector.Tests.Sandbox;

/// <summary>Fault knobs, latency and the request log. No test sleeps: time is either fake or the client's own timeout.</summary>
public sealed class SandboxFaultsTests
{
    private static readonly string CallBody = $$"""{"model_id":"{{SandboxSeed.SalesEastModelId}}","phone":"+16175550199","name":"Ada"}""";

    [Fact]
    public async Task FailNext_answers_the_status_with_Retry_After_then_expires()
    {
        await using var http = await SandboxHttp.StartAsync();
        http.Sandbox.Faults.FailNext(2, 429, "GET", "/v2/assistants", retryAfter: TimeSpan.FromSeconds(6.2));

        var first = await http.GetAsync("assistants/");
        var second = await http.GetAsync($"assistants/{SandboxSeed.SalesEastModelId}");
        var third = await http.GetAsync("assistants/");

        Assert.Equal(HttpStatusCode.TooManyRequests, first.Status);
        Assert.Equal(TimeSpan.FromSeconds(7), first.RetryAfter);
        Assert.Equal("rate_limited", first.Category);
        Assert.True(Guid.TryParse(first.Detail.GetProperty("request_id").GetString(), out _));
        Assert.Equal(HttpStatusCode.TooManyRequests, second.Status);
        Assert.Equal(HttpStatusCode.OK, third.Status);
        Assert.Equal(
            [(429, SandboxFaultNames.Fail), (429, SandboxFaultNames.Fail), (200, null)],
            http.Sandbox.Requests.Select(r => (r.StatusCode, r.Fault)));
    }

    [Fact]
    public async Task FailNext_with_a_5xx_uses_the_detail_shape_without_Retry_After_and_does_no_work()
    {
        await using var http = await SandboxHttp.StartAsync();
        http.Sandbox.Faults.FailNext(1, 503);

        var answer = await SandboxCallsTests.PlaceAsync(http, CallBody);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.Equal("server_error", answer.Category);
        Assert.Null(answer.RetryAfter);
        Assert.Empty(http.Sandbox.Calls);
    }

    [Fact]
    public async Task FailNext_only_hits_requests_matching_its_method_and_path_prefix()
    {
        await using var http = await SandboxHttp.StartAsync();
        http.Sandbox.Faults.FailNext(1, 500, "POST", "/v2/calls");

        var list = await http.GetAsync($"calls?model_id={SandboxSeed.SalesEastModelId}");
        var agents = await http.GetAsync("assistants/");
        var placed = await SandboxCallsTests.PlaceAsync(http, CallBody);
        var placedAgain = await SandboxCallsTests.PlaceAsync(http, CallBody);

        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal(HttpStatusCode.OK, agents.Status);
        Assert.Equal(HttpStatusCode.InternalServerError, placed.Status);
        Assert.Equal(HttpStatusCode.OK, placedAgain.Status);
        Assert.Single(http.Sandbox.Calls);
    }

    [Fact]
    public async Task Faults_come_before_auth()
    {
        await using var http = await SandboxHttp.StartAsync();
        using var anonymous = http.CreateClient(apiKey: null);
        http.Sandbox.Faults.FailNext(1, 502);

        var answer = await SandboxHttp.SendAsync(anonymous, HttpMethod.Get, "assistants/");

        Assert.Equal(HttpStatusCode.BadGateway, answer.Status);
    }

    [Fact]
    public async Task TimeoutNext_holds_the_request_until_the_client_gives_up()
    {
        await using var http = await SandboxHttp.StartAsync();
        http.Sandbox.Faults.TimeoutNext(1, "POST", "/v2/calls");
        using var clientTimeout = new CancellationTokenSource();

        var held = SandboxCallsTests.PlaceAsync(http, CallBody, clientTimeout.Token);
        await SandboxHttp.WhenLoggedAsync(http.Sandbox, 1);
        Assert.False(held.IsCompleted);

        // The client's own timeout, started once the sandbox holds the request, is what ends it: no answer ever comes.
        clientTimeout.CancelAfter(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held);
        var next = await SandboxCallsTests.PlaceAsync(http, CallBody);

        Assert.Equal(HttpStatusCode.OK, next.Status);
        Assert.Equal([(0, SandboxFaultNames.Timeout), (200, null)], http.Sandbox.Requests.Select(r => (r.StatusCode, r.Fault)));
        Assert.Single(http.Sandbox.Calls);
    }

    [Fact]
    public async Task TimeoutNext_is_ended_by_HttpClient_Timeout_too()
    {
        await using var http = await SandboxHttp.StartAsync();
        using var client = http.CreateClient(http.Sandbox.ApiKey);

        // Generous enough for the request to reach the sandbox on a loaded machine; the sandbox never answers anyway.
        client.Timeout = TimeSpan.FromSeconds(1);
        http.Sandbox.Faults.TimeoutNext(1);

        var error = await Assert.ThrowsAsync<TaskCanceledException>(() => SandboxHttp.SendAsync(client, HttpMethod.Get, "assistants/"));

        Assert.IsType<TimeoutException>(error.InnerException);
        Assert.Equal(SandboxFaultNames.Timeout, Assert.Single(http.Sandbox.Requests).Fault);
    }

    [Fact]
    public async Task A_held_request_ends_when_the_server_stops()
    {
        await using var http = await SandboxHttp.StartAsync();
        http.Sandbox.Faults.TimeoutNext(1, "POST");
        var held = SandboxCallsTests.PlaceAsync(http, CallBody);
        await SandboxHttp.WhenLoggedAsync(http.Sandbox, 1);

        await http.Server.DisposeAsync();

        // Stopping does not wait for the client to give up: the held connection is closed.
        await Assert.ThrowsAsync<HttpRequestException>(() => held);
        Assert.Empty(http.Sandbox.Calls);
    }

    [Fact]
    public async Task DropConnectionNext_closes_the_connection_before_doing_anything()
    {
        await using var http = await SandboxHttp.StartAsync();
        http.Sandbox.Faults.DropConnectionNext(1, "POST", "/v2/calls");

        await Assert.ThrowsAsync<HttpRequestException>(() => SandboxCallsTests.PlaceAsync(http, CallBody));

        Assert.Empty(http.Sandbox.Calls);
        var logged = Assert.Single(http.Sandbox.Requests);
        Assert.Equal((0, SandboxFaultNames.DropConnection), (logged.StatusCode, logged.Fault));
        Assert.Equal(CallBody, logged.Body);
    }

    [Fact]
    public async Task A_dropped_GET_reaches_the_client_too_as_the_connection_is_reset()
    {
        await using var http = await SandboxHttp.StartAsync();
        http.Sandbox.Faults.DropConnectionNext(1, "GET");

        // HttpClient silently resends a body-less request only when the connection was closed cleanly; a reset is
        // reported, so any retry seen in a test is the client's own.
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("assistants/"));
        var next = await http.GetAsync("assistants/");

        Assert.IsType<IOException>(error.InnerException);
        Assert.Equal(HttpStatusCode.OK, next.Status);
        Assert.Equal([SandboxFaultNames.DropConnection, null], http.Sandbox.Requests.Select(r => r.Fault));
    }

    [Fact]
    public async Task DropAfterProcessingNext_creates_the_call_and_then_drops_the_connection()
    {
        await using var http = await SandboxHttp.StartAsync();
        http.Sandbox.Faults.DropAfterProcessingNext(1, "POST", "/v2/calls");

        await Assert.ThrowsAsync<HttpRequestException>(() => SandboxCallsTests.PlaceAsync(http, CallBody));

        var call = Assert.Single(http.Sandbox.Calls);
        Assert.Equal(SandboxSeed.SalesEastModelId, call.ModelId);
        var logged = Assert.Single(http.Sandbox.Requests);
        Assert.Equal((200, SandboxFaultNames.DropAfterProcessing), (logged.StatusCode, logged.Fault));
    }

    [Fact]
    public async Task A_request_answered_by_a_pre_processing_fault_does_not_use_up_DropAfterProcessing()
    {
        await using var http = await SandboxHttp.StartAsync();
        http.Sandbox.Faults.FailNext(1, 429, "POST");
        http.Sandbox.Faults.DropAfterProcessingNext(1, "POST");

        var limited = await SandboxCallsTests.PlaceAsync(http, CallBody);
        await Assert.ThrowsAsync<HttpRequestException>(() => SandboxCallsTests.PlaceAsync(http, CallBody));
        var clean = await SandboxCallsTests.PlaceAsync(http, CallBody);

        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Status);
        Assert.Equal(HttpStatusCode.OK, clean.Status);
        Assert.Equal(2, http.Sandbox.Calls.Count);
    }

    [Fact]
    public async Task RandomFailureRate_of_one_fails_every_request_with_the_configured_statuses()
    {
        await using var http = await SandboxHttp.StartAsync();
        http.Sandbox.Faults.RandomFailureStatusCodes = [502, 504];
        http.Sandbox.Faults.RandomFailureRate = 1;

        var statuses = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            statuses.Add((await http.GetAsync("assistants/")).Code);
        }

        Assert.All(statuses, status => Assert.True(status is 502 or 504, $"unexpected {status}"));
        Assert.All(http.Sandbox.Requests, r => Assert.Equal(SandboxFaultNames.RandomFailure, r.Fault));
    }

    [Fact]
    public async Task RandomFailureRate_is_repeatable_for_a_given_seed()
    {
        async Task<int[]> RunAsync()
        {
            await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(new SandboxOptions { RandomSeed = 1234 }));
            http.Sandbox.Faults.RandomFailureRate = 0.5;
            var statuses = new int[20];
            for (var i = 0; i < statuses.Length; i++)
            {
                statuses[i] = (await http.GetAsync("assistants/")).Code;
            }

            return statuses;
        }

        var first = await RunAsync();
        var second = await RunAsync();

        Assert.Equal(first, second);
        Assert.Contains(200, first);
        Assert.Contains(first, status => status != 200);
    }

    [Fact]
    public async Task Clear_removes_every_fault()
    {
        await using var http = await SandboxHttp.StartAsync();
        http.Sandbox.Faults.FailNext(5, 500);
        http.Sandbox.Faults.DropConnectionNext(5);
        http.Sandbox.Faults.RandomFailureRate = 1;

        http.Sandbox.Faults.Clear();
        var answer = await SandboxCallsTests.PlaceAsync(http, CallBody);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(0, http.Sandbox.Faults.RandomFailureRate);
        Assert.Equal([429, 500, 502, 503], http.Sandbox.Faults.RandomFailureStatusCodes);
    }

    [Fact]
    public void Knobs_refuse_nonsense()
    {
        var faults = new SynthflowSandbox(new SandboxOptions { Seed = false }).Faults;

        Assert.Throws<ArgumentOutOfRangeException>(() => faults.FailNext(0, 500));
        Assert.Throws<ArgumentOutOfRangeException>(() => faults.FailNext(1, 200));
        Assert.Throws<ArgumentOutOfRangeException>(() => faults.RandomFailureRate = 1.5);
        Assert.Throws<ArgumentException>(() => faults.RandomFailureStatusCodes = []);
    }

    [Fact]
    public async Task Latency_holds_every_request_until_the_fake_clock_moves()
    {
        var time = new TimerSignalingTimeProvider();
        await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(timeProvider: time));
        http.Sandbox.Latency = TimeSpan.FromSeconds(2);

        var pending = http.GetAsync("assistants/");
        await time.TimerCreated.WaitAsync(TimeSpan.FromSeconds(30));

        // The latency timer exists and the clock has not moved: no answer yet, and nothing processed.
        Assert.False(pending.IsCompleted);
        Assert.Empty(http.Sandbox.Requests);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(pending.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1));
        var answer = await pending;

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(time.Start, Assert.Single(http.Sandbox.Requests).At);
    }

    [Fact]
    public async Task The_log_records_every_request_with_its_body_and_counts_by_method_and_prefix()
    {
        await using var http = await SandboxHttp.StartAsync();
        using var anonymous = http.CreateClient(apiKey: null);

        await SandboxCallsTests.PlaceAsync(http, CallBody);
        await SandboxHttp.SendAsync(anonymous, HttpMethod.Post, "calls", CallBody);
        await http.GetAsync($"calls?model_id={SandboxSeed.SalesEastModelId}&lead_phone_number=%2B16175550199");
        await http.GetAsync("assistants/");

        Assert.Equal(2, http.Sandbox.CountRequests("POST", "/v2/calls"));
        Assert.Equal(1, http.Sandbox.CountRequests("get", "/v2/calls"));
        Assert.Equal(2, http.Sandbox.CountRequests("GET", "/v2/"));
        Assert.Equal(0, http.Sandbox.CountRequests("DELETE", "/v2/"));
        var requests = http.Sandbox.Requests;
        Assert.Equal([200, 401, 200, 200], requests.Select(r => r.StatusCode));
        Assert.Equal(CallBody, requests[0].Body);
        Assert.Null(requests[2].Body);
        Assert.Equal("/v2/calls", requests[2].Path);
        Assert.Contains("lead_phone_number=%2B16175550199", requests[2].QueryString, StringComparison.Ordinal);
        Assert.DoesNotContain(requests, r => (r.Body ?? string.Empty).Contains(http.Sandbox.ApiKey, StringComparison.Ordinal));

        http.Sandbox.ClearRequests();
        Assert.Empty(http.Sandbox.Requests);
    }

    /// <summary>
    /// A fake clock that says when the first timer is created, so a test knows the sandbox is inside its latency
    /// wait before it moves the clock (moving it earlier would be lost on a timer that does not exist yet).
    /// </summary>
    private sealed class TimerSignalingTimeProvider : FakeTimeProvider
    {
        private readonly TaskCompletionSource _timerCreated = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TimerSignalingTimeProvider()
            : base(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero))
        {
        }

        public Task TimerCreated => _timerCreated.Task;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _timerCreated.TrySetResult();
            return timer;
        }
    }
}
