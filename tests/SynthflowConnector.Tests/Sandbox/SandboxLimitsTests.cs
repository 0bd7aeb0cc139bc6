using System.Globalization;
using System.Net;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Sandbox;
using static SynthflowConnector.Tests.Sandbox.SandboxCallLifecycleTests;

namespace SynthflowConnector.Tests.Sandbox;

/// <summary>Issue 12: CAPS and concurrency like a non-Enterprise account: 429, the call not placed, and counted.</summary>
public sealed class SandboxLimitsTests
{
    private const string Lead = "+16175550190";
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-03-02T10:00:00Z", CultureInfo.InvariantCulture);
    private static readonly string Body = $$"""{"model_id":"{{SandboxSeed.SalesEastModelId}}","phone":"{{Lead}}","name":"Ada"}""";

    [Fact]
    public async Task Without_limits_any_number_of_calls_is_placed_at_once()
    {
        await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(timeProvider: new FakeTimeProvider(Start)));

        for (var i = 0; i < 25; i++)
        {
            await PlaceAsync(http, Lead);
        }

        Assert.Equal(25, http.Sandbox.Calls.Count);
        Assert.Equal(25, http.Sandbox.LiveCallCount);
        Assert.Equal(0, http.Sandbox.RateLimitedCalls);
    }

    [Fact]
    public async Task Over_caps_the_call_is_refused_with_429_not_placed_and_counted_until_the_second_rolls_over()
    {
        var time = new FakeTimeProvider(Start);
        await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(new SandboxOptions { CallsPerSecond = 2 }, time));
        await PlaceAsync(http, Lead);
        time.Advance(TimeSpan.FromMilliseconds(400));
        await PlaceAsync(http, Lead);

        var refused = await http.SendAsync(HttpMethod.Post, "calls", Body);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.Equal("rate_limited", refused.Category);
        Assert.Equal("error", refused.Detail.GetProperty("status").GetString());
        Assert.Contains("CAPS", refused.Description, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.RetryAfter);
        Assert.Equal(2, http.Sandbox.Calls.Count);
        Assert.Equal(1, http.Sandbox.CallsRefusedByCaps);
        Assert.Equal(1, http.Sandbox.RateLimitedCalls);
        Assert.Equal(429, http.Sandbox.Requests[^1].StatusCode);

        // The first call leaves the window at +1 s; the second one still fills it.
        time.Advance(TimeSpan.FromMilliseconds(599));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await http.SendAsync(HttpMethod.Post, "calls", Body)).Status);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await PlaceAsync(http, Lead);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await http.SendAsync(HttpMethod.Post, "calls", Body)).Status);
        Assert.Equal(3, http.Sandbox.Calls.Count);
        Assert.Equal(3, http.Sandbox.CallsRefusedByCaps);
        Assert.Equal(0, http.Sandbox.CallsRefusedByConcurrency);
    }

    [Fact]
    public async Task Over_the_concurrency_limit_the_call_is_refused_until_a_live_call_ends()
    {
        var time = new FakeTimeProvider(Start);
        await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(new SandboxOptions { MaxConcurrentCalls = 2, CallDuration = TimeSpan.FromSeconds(10) }, time));
        var first = await PlaceAsync(http, Lead);
        await PlaceAsync(http, Lead);

        var refused = await http.SendAsync(HttpMethod.Post, "calls", Body);
        time.Advance(TimeSpan.FromSeconds(5));
        var stillRefused = await http.SendAsync(HttpMethod.Post, "calls", Body);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.Equal("rate_limited", refused.Category);
        Assert.Contains("Concurrency", refused.Description, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, stillRefused.Status);
        Assert.Equal(2, http.Sandbox.Calls.Count);
        Assert.Equal(2, http.Sandbox.CallsRefusedByConcurrency);
        Assert.Equal(2, http.Sandbox.RateLimitedCalls);

        // A call moved to a final status by hand frees its slot at once; the lifecycle frees the other.
        http.Sandbox.SetCallStatus(first, "completed");
        await PlaceAsync(http, Lead);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await http.SendAsync(HttpMethod.Post, "calls", Body)).Status);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(1, http.Sandbox.LiveCallCount);
        await PlaceAsync(http, Lead);
        Assert.Equal(4, http.Sandbox.Calls.Count);
        Assert.Equal(3, http.Sandbox.CallsRefusedByConcurrency);
    }

    [Fact]
    public async Task Limits_are_runtime_knobs_and_a_bad_request_is_still_a_400()
    {
        var time = new FakeTimeProvider(Start);
        await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(timeProvider: time));
        await PlaceAsync(http, Lead);

        http.Sandbox.CallsPerSecond = 1;
        var capped = await http.SendAsync(HttpMethod.Post, "calls", Body);
        var invalid = await http.SendAsync(HttpMethod.Post, "calls", $$"""{"model_id":"{{SandboxSeed.SalesEastModelId}}","phone":"12345","name":"Ada"}""");
        http.Sandbox.CallsPerSecond = null;
        http.Sandbox.MaxConcurrentCalls = 1;
        var concurrent = await http.SendAsync(HttpMethod.Post, "calls", Body);
        http.Sandbox.MaxConcurrentCalls = null;
        await PlaceAsync(http, Lead);

        Assert.Equal(HttpStatusCode.TooManyRequests, capped.Status);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, concurrent.Status);
        Assert.Null(concurrent.RetryAfter);
        Assert.Equal(2, http.Sandbox.Calls.Count);
        Assert.Equal(1, http.Sandbox.CallsRefusedByCaps);
        Assert.Equal(1, http.Sandbox.CallsRefusedByConcurrency);
        Assert.Throws<ArgumentOutOfRangeException>(() => http.Sandbox.CallsPerSecond = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => http.Sandbox.MaxConcurrentCalls = -1);
    }
}
