using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Channels;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Synthflow;

/// <summary>
/// The resilience policy on the client's registration, driven by a fake clock through the real registration: the
/// primary handler is a stub, everything above it (endpoint handler, retry, rate limiter, timeout) is production's.
/// </summary>
public sealed class SynthflowHttpPolicyTests
{
    private const string AgentJson = """{"status":"ok","response":{"assistants":[{"model_id":"a","name":"A","type":"outbound"}]}}""";

    [Theory]
    [InlineData("GET", true)]
    [InlineData("PUT", true)]
    [InlineData("DELETE", true)]
    [InlineData("POST", false)]
    [InlineData("PATCH", false)]
    public void Only_GET_PUT_and_DELETE_are_retriable(string method, bool retriable)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), "https://synthflow.invalid/calls");

        Assert.Equal(retriable, SynthflowHttpPolicy.IsIdempotent(request));
        Assert.False(SynthflowHttpPolicy.IsIdempotent(null));
    }

    [Fact]
    public async Task Post_calls_gets_one_attempt_on_a_retriable_answer()
    {
        await using var rig = Rig.Start(_ => Answer(HttpStatusCode.ServiceUnavailable, "{}"));

        var error = await Assert.ThrowsAsync<SynthflowApiException>(() => rig.Client.PlaceCallAsync(new PlaceCallRequest { ModelId = "a", Phone = "+16175550199", Name = "Ada" }));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(["POST"], rig.Requests.Select(r => r.Method.Method));
    }

    [Fact]
    public async Task Post_calls_gets_one_attempt_on_a_transport_failure_and_says_the_outcome_is_unknown()
    {
        await using var rig = Rig.Start(_ => throw new HttpRequestException("connection reset"));

        var error = await Assert.ThrowsAsync<SynthflowTransportException>(() => rig.Client.PlaceCallAsync(new PlaceCallRequest { ModelId = "a", Phone = "+16175550199", Name = "Ada" }));

        Assert.False(error.IsTimeout);
        Assert.Contains("after 1 attempt(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("outcome is unknown", error.Message, StringComparison.Ordinal);
        Assert.Single(rig.Requests);
    }

    [Fact]
    public async Task A_GET_that_never_connects_uses_every_allowed_attempt()
    {
        await using var rig = Rig.Start(_ => throw new HttpRequestException("connection refused"), new() { ["Synthflow:MaxRetries"] = "2", ["Synthflow:RetryBaseDelay"] = "00:00:00" });

        var error = await Assert.ThrowsAsync<SynthflowTransportException>(() => rig.Client.GetAgentAsync("a"));

        Assert.Contains("after 3 attempt(s)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("outcome is unknown", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, rig.Requests.Count);
    }

    [Theory]
    [InlineData("delta", 120, 5)] // longer than Synthflow__RetryMaxDelay: capped
    [InlineData("delta", 2, 2)]
    [InlineData("date", 3, 3)] // an HTTP date is read against the injected clock
    public async Task Retry_After_is_honoured_and_capped_at_RetryMaxDelay(string form, int retryAfterSeconds, int expectedWaitSeconds)
    {
        var clock = new RecordingTimeProvider();
        var answers = 0;
        await using var rig = Rig.Start(
            _ =>
            {
                if (Interlocked.Increment(ref answers) > 1)
                {
                    return Answer(HttpStatusCode.OK, AgentJson);
                }

                var throttled = Answer(HttpStatusCode.TooManyRequests, """{"detail":"slow down"}""");
                throttled.Headers.RetryAfter = form == "delta"
                    ? new RetryConditionHeaderValue(TimeSpan.FromSeconds(retryAfterSeconds))
                    : new RetryConditionHeaderValue(clock.GetUtcNow().AddSeconds(retryAfterSeconds));
                return throttled;
            },
            new() { ["Synthflow:RetryBaseDelay"] = "00:00:01", ["Synthflow:RetryMaxDelay"] = "00:00:05", ["Synthflow:Timeout"] = "00:00:30" },
            clock);

        var call = rig.Client.GetAgentAsync("a");
        var wait = await clock.NextTimerAsync(due => due > TimeSpan.Zero && due != TimeSpan.FromSeconds(30));
        clock.Advance(wait);
        var agent = await call;

        Assert.Equal(TimeSpan.FromSeconds(expectedWaitSeconds), wait);
        Assert.Equal("a", agent.ModelId);
        Assert.Equal(2, rig.Requests.Count);
    }

    [Fact]
    public async Task Backoff_without_Retry_After_stays_within_RetryMaxDelay()
    {
        var clock = new RecordingTimeProvider();
        var answers = 0;
        await using var rig = Rig.Start(
            _ => Interlocked.Increment(ref answers) <= 3 ? Answer(HttpStatusCode.BadGateway, "{}") : Answer(HttpStatusCode.OK, AgentJson),
            new() { ["Synthflow:MaxRetries"] = "3", ["Synthflow:RetryBaseDelay"] = "00:00:02", ["Synthflow:RetryMaxDelay"] = "00:00:03", ["Synthflow:Timeout"] = "00:00:30" },
            clock);

        var call = rig.Client.GetAgentAsync("a");
        var waits = new List<TimeSpan>();
        for (var retry = 0; retry < 3; retry++)
        {
            var wait = await clock.NextTimerAsync(due => due > TimeSpan.Zero && due != TimeSpan.FromSeconds(30));
            waits.Add(wait);
            clock.Advance(wait);
        }

        await call;
        Assert.All(waits, wait => Assert.InRange(wait, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(3)));
        Assert.Equal(4, rig.Requests.Count);
    }

    [Fact]
    public async Task Waiting_in_the_rate_limiter_queue_does_not_count_against_the_attempt_timeout()
    {
        var clock = new RecordingTimeProvider();

        // One permit the test holds, so the request queues until the test lets it go.
        using var gate = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = 1, QueueLimit = 10, QueueProcessingOrder = QueueProcessingOrder.OldestFirst });
        var held = gate.AttemptAcquire(1);
        await using var rig = Rig.Start(
            _ => Answer(HttpStatusCode.OK, AgentJson),
            new() { ["Synthflow:Timeout"] = "00:00:01" },
            clock,
            new SynthflowRateLimiter(gate, maxRequestsPerSecond: 1));

        var call = rig.Client.GetAgentAsync("a");
        var waiting = System.Diagnostics.Stopwatch.StartNew();
        while (gate.GetStatistics()?.CurrentQueuedCount != 1)
        {
            Assert.False(call.IsCompleted, "the request must wait for the permit");
            Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(30), "the request never queued");
            await Task.Yield();
        }

        // Far past the attempt timeout on the fake clock: no attempt (so no attempt timer) exists yet.
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(TimeSpan.FromSeconds(1), clock.DueTimes);
        Assert.False(call.IsCompleted);
        Assert.Empty(rig.Requests);

        held.Dispose();
        var agent = await call.WaitAsync(TimeSpan.FromSeconds(30), TimeProvider.System);

        Assert.Equal("a", agent.ModelId);
        Assert.Contains(TimeSpan.FromSeconds(1), clock.DueTimes);
        Assert.Single(rig.Requests);
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    /// <summary>A fake clock that records every timer's due time and lets a test await the next one.</summary>
    private sealed class RecordingTimeProvider : FakeTimeProvider
    {
        private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();
        private readonly Channel<TimeSpan> _created = Channel.CreateUnbounded<TimeSpan>();

        public RecordingTimeProvider()
            : base(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero))
        {
        }

        public IReadOnlyCollection<TimeSpan> DueTimes => _dueTimes;

        /// <summary>Records each arming: at creation, or later through Change (a CancellationTokenSource's CancelAfter).</summary>
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Armed(dueTime);
            return new RecordingTimer(base.CreateTimer(callback, state, dueTime, period), Armed);
        }

        private void Armed(TimeSpan dueTime)
        {
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                _dueTimes.Enqueue(dueTime);
                _created.Writer.TryWrite(dueTime);
            }
        }

        private sealed class RecordingTimer(ITimer inner, Action<TimeSpan> armed) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                armed(dueTime);
                return inner.Change(dueTime, period);
            }

            public void Dispose() => inner.Dispose();

            public ValueTask DisposeAsync() => inner.DisposeAsync();
        }

        /// <summary>The due time of the next timer created that matches, in creation order (30 s real time at most).</summary>
        public async Task<TimeSpan> NextTimerAsync(Func<TimeSpan, bool> match)
        {
            while (true)
            {
                var due = await _created.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30), TimeProvider.System);
                if (match(due))
                {
                    return due;
                }
            }
        }
    }

    /// <summary>The production registration with a stub in place of the network.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private Rig(ServiceProvider services) => Services = services;

        public ServiceProvider Services { get; }

        public ISynthflowClient Client => Services.GetRequiredService<ISynthflowClient>();

        public ConcurrentQueue<HttpRequestMessage> Requests { get; } = new();

        public static Rig Start(
            Func<HttpRequestMessage, HttpResponseMessage> answer,
            Dictionary<string, string?>? settings = null,
            TimeProvider? clock = null,
            SynthflowRateLimiter? limiter = null)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Synthflow:RetryBaseDelay"] = "00:00:00", ["Synthflow:MaxRequestsPerSecond"] = "1000" })
                .AddInMemoryCollection(settings ?? [])
                .Build();
            Rig? rig = null;
            var services = new ServiceCollection()
                .AddSingleton<IConfiguration>(configuration)
                .AddLogging(logging => logging.AddProvider(new CapturingLoggerProvider()))
                .AddSingleton(clock ?? new FakeTimeProvider())
                .AddSingleton<ISynthflowEndpointProvider>(new FixedSynthflowEndpointProvider(new SynthflowEndpoint(new Uri("http://127.0.0.1:9/v2/"), "test-key", isSandbox: true)))
                .AddSynthflowClient();
            if (limiter is not null)
            {
                services.Replace(ServiceDescriptor.Singleton(limiter));
            }

            services.AddHttpClient(SynthflowServiceCollectionExtensions.HttpClientName)
                .ConfigurePrimaryHttpMessageHandler(() => new StubHandler(request =>
                {
                    rig!.Requests.Enqueue(request);
                    return answer(request);
                }));
            rig = new Rig(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }));
            return rig;
        }

        public ValueTask DisposeAsync() => Services.DisposeAsync();
    }

    private sealed class StubHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = answer(request);
            response.RequestMessage = request;
            return Task.FromResult(response);
        }
    }
}
