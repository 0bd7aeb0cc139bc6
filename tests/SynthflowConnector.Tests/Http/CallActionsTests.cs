using System.Net;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Calls;
using SynthflowConnector.Agents;
using SynthflowConnector.Http;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Tests.Synthflow.SynthflowClientTests;

namespace SynthflowConnector.Tests.Http;

/// <summary>The make-a-call and get-call actions through the real Host, with caller-ID choice and idempotency.</summary>
[Collection("Azurite")]
public sealed class CallActionsTests(AzuriteFixture azurite)
{
    private static readonly Uri Calls = new("/api/calls", UriKind.Relative);

    private static SynthflowSandbox Pooled()
    {
        var sandbox = Workspace();
        sandbox.AddNumber("+14155550111", null);
        sandbox.AddNumber("+16175550112", null);
        sandbox.AddAgent("agent-pool", "Pool", AgentTypes.Outbound, [SanFrancisco, NewYork, "+14155550111", London]);
        sandbox.AddAgent("agent-empty", "Empty", AgentTypes.Outbound);
        return sandbox;
    }

    private static async Task<MakeCallResponse> CallAsync(ConnectorHostHarness host, object body, string? key = null) =>
        await HttpAssert.OkAsync<MakeCallResponse>(await PostAsync(host, body, key));

    private static async Task<HttpResponseMessage> PostAsync(ConnectorHostHarness host, object body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Calls) { Content = HttpAssert.Json(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await host.Client.SendAsync(request);
    }

    [Fact]
    public async Task A_call_with_the_default_strategy_lets_Synthflow_choose_and_can_be_read_back()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());

        var placed = await CallAsync(host, new { modelId = Outbound, phone = Lead, name = "Ada", customVariables = new Dictionary<string, string> { ["order"] = "A-17" } });

        Assert.Null(placed.FromPhoneNumber);
        Assert.Equal("synthflow-default", placed.CallerIdStrategy);
        Assert.False(placed.IdempotentReplay);
        Assert.False(string.IsNullOrEmpty(placed.CallerIdReason));
        var post = Assert.Single(host.Sandbox.Requests, r => r.Method == "POST");
        Assert.Contains("\"custom_variables\":[{\"key\":\"order\",\"value\":\"A-17\"}]", post.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("from_phone_number", post.Body, StringComparison.Ordinal);

        var call = await HttpAssert.OkAsync<CallDetails>(await host.Client.GetAsync(new Uri($"/api/calls/{placed.CallId}", UriKind.Relative)));
        Assert.Equal(placed.CallId, call.CallId);
        Assert.Equal(Lead, call.ToPhoneNumber);
        Assert.NotNull(call.Status);
    }

    [Fact]
    public async Task An_explicit_attached_caller_id_is_used()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());

        var placed = await CallAsync(host, new { modelId = Outbound, phone = Lead, name = "Ada", fromPhoneNumber = NewYork });

        Assert.Equal(NewYork, placed.FromPhoneNumber);
        Assert.Equal(NewYork, host.Sandbox.Calls.Single().PhoneNumberFrom);
    }

    [Fact]
    public async Task An_explicit_caller_id_that_is_not_attached_is_422_and_nothing_is_placed()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());

        var problem = await HttpAssert.ProblemAsync(await PostAsync(host, new { modelId = Outbound, phone = Lead, name = "Ada", fromPhoneNumber = Chicago }), HttpStatusCode.UnprocessableEntity, "fromPhoneNumber");

        Assert.Contains(Chicago, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, host.Sandbox.CountRequests("POST", "/v2/calls"));
    }

    [Theory]
    [InlineData("+14155550199", "+14155550101", "+14155550111")] // same area code 415: either 415 number
    [InlineData("+12125550199", "+12125550102", null)]         // same area code 212
    [InlineData("+447700900999", "+447700900123", null)]       // no NANP area code: same country +44
    public async Task Local_presence_prefers_area_code_then_country(string recipient, string expected, string? alternative)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());

        var placed = await CallAsync(host, new { modelId = "agent-pool", phone = recipient, name = "Ada", callerIdStrategy = "local-presence" });

        Assert.Contains(placed.FromPhoneNumber, new[] { expected, alternative ?? expected });
        Assert.Equal("local-presence", placed.CallerIdStrategy);
        Assert.StartsWith("Local presence", placed.CallerIdReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Local_presence_without_a_match_falls_back_to_round_robin()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());

        var placed = await CallAsync(host, new { modelId = "agent-pool", phone = "+4930901820", name = "Ada", callerIdStrategy = "local-presence" });

        Assert.NotNull(placed.FromPhoneNumber);
        Assert.Contains("Round-robin", placed.CallerIdReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Round_robin_walks_the_whole_pool_in_turn()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());

        var used = new List<string?>();
        for (var i = 0; i < 8; i++)
        {
            used.Add((await CallAsync(host, new { modelId = "agent-pool", phone = Lead, name = "Ada", callerIdStrategy = "round-robin" })).FromPhoneNumber);
        }

        Assert.Equal(4, used.Take(4).Distinct().Count());
        Assert.Equal(used.Take(4), used.Skip(4));
    }

    [Fact]
    public async Task Round_robin_under_concurrency_spreads_evenly()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());

        var used = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => CallAsync(host, new { modelId = "agent-pool", phone = Lead, name = "Ada", callerIdStrategy = "round-robin" })));

        Assert.All(used.GroupBy(u => u.FromPhoneNumber), group => Assert.Equal(5, group.Count()));
    }

    [Fact]
    public async Task Sticky_keeps_a_recipients_number_while_it_stays_attached()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled(), new Dictionary<string, string?> { ["Calls:AttachedNumbersCacheDuration"] = "00:00:00" });

        var first = await CallAsync(host, new { modelId = "agent-pool", phone = Lead, name = "Ada", callerIdStrategy = "sticky" });
        var other = await CallAsync(host, new { modelId = "agent-pool", phone = "+16175550100", name = "Bob", callerIdStrategy = "sticky" });
        var again = await CallAsync(host, new { modelId = "agent-pool", phone = Lead, name = "Ada", callerIdStrategy = "sticky" });

        Assert.Equal(first.FromPhoneNumber, again.FromPhoneNumber);
        Assert.NotEqual(first.FromPhoneNumber, other.FromPhoneNumber);

        await HttpAssert.OkAsync<DetachResult>(await host.Client.DeleteAsync(new Uri($"/api/agents/agent-pool/phone-numbers/{first.FromPhoneNumber![1..]}", UriKind.Relative)));
        var moved = await CallAsync(host, new { modelId = "agent-pool", phone = Lead, name = "Ada", callerIdStrategy = "sticky" });
        Assert.NotEqual(first.FromPhoneNumber, moved.FromPhoneNumber);
        Assert.Contains("no longer attached", moved.CallerIdReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_strategy_on_an_agent_without_numbers_is_409()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());

        await HttpAssert.ProblemAsync(await PostAsync(host, new { modelId = "agent-empty", phone = Lead, name = "Ada", callerIdStrategy = "round-robin" }), HttpStatusCode.Conflict, "callerIdStrategy");

        Assert.Equal(0, host.Sandbox.CountRequests("POST", "/v2/calls"));
    }

    [Fact]
    public async Task The_default_strategy_comes_from_the_setting()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled(), new Dictionary<string, string?> { ["Calls:DefaultCallerIdStrategy"] = "round-robin" });

        var placed = await CallAsync(host, new { modelId = "agent-pool", phone = Lead, name = "Ada" });

        Assert.Equal("round-robin", placed.CallerIdStrategy);
        Assert.NotNull(placed.FromPhoneNumber);
    }

    public static TheoryData<string, string> BadCalls => new()
    {
        { """{"phone":"+16175550199","name":"Ada"}""", "modelId" },
        { """{"modelId":"agent-outbound","name":"Ada"}""", "phone" },
        { """{"modelId":"agent-outbound","phone":"6175550199","name":"Ada"}""", "phone" },
        { """{"modelId":"agent-outbound","phone":"+16175550199"}""", "name" },
        { """{"modelId":"agent-outbound","phone":"+16175550199","name":"Ada","fromPhoneNumber":"+1"}""", "fromPhoneNumber" },
        { """{"modelId":"agent-outbound","phone":"+16175550199","name":"Ada","callerIdStrategy":"nearest"}""", "callerIdStrategy" },
        { """{"modelId":"agent/outbound","phone":"+16175550199","name":"Ada"}""", "modelId" },
        { """{"modelId":"agent-outbound","phone":"+16175550199","name":"Ada","leadEmail":"nobody"}""", "leadEmail" },
        { """{"modelId":"agent-outbound","phone":"+16175550199","name":"Ada","customVariables":{"k":5}}""", "customVariables.k" },
        { """{"modelId":"agent-outbound","phone":"+16175550199","name":"Ada","greeting":"x\u0000y"}""", "greeting" },
    };

    [Theory]
    [MemberData(nameof(BadCalls))]
    public async Task Bad_call_requests_are_400_naming_the_field_and_place_nothing(string body, string field)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());

        await HttpAssert.ProblemAsync(await host.Client.PostAsync(Calls, HttpAssert.Raw(body)), HttpStatusCode.BadRequest, field);

        Assert.Empty(host.Sandbox.Requests);
    }

    [Fact]
    public async Task A_replayed_key_returns_the_first_result_and_places_no_second_call()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());
        var body = new { modelId = Outbound, phone = Lead, name = "Ada" };

        var first = await CallAsync(host, body, key: "run-0001");
        var second = await CallAsync(host, body, key: "run-0001");

        Assert.False(first.IdempotentReplay);
        Assert.True(second.IdempotentReplay);
        Assert.Equal(first.CallId, second.CallId);
        Assert.Equal(1, host.Sandbox.CountRequests("POST", "/v2/calls"));
    }

    [Fact]
    public async Task The_key_may_come_in_the_body()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());

        var first = await CallAsync(host, new { modelId = Outbound, phone = Lead, name = "Ada", idempotencyKey = "run-0002" });
        var second = await CallAsync(host, new { modelId = Outbound, phone = Lead, name = "Ada", idempotencyKey = "run-0002" });

        Assert.True(second.IdempotentReplay);
        Assert.Equal(first.CallId, second.CallId);
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_422()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());
        await CallAsync(host, new { modelId = Outbound, phone = Lead, name = "Ada" }, key: "run-0003");

        await HttpAssert.ProblemAsync(await PostAsync(host, new { modelId = Outbound, phone = Lead, name = "Grace" }, key: "run-0003"), HttpStatusCode.UnprocessableEntity, "Idempotency-Key");

        Assert.Equal(1, host.Sandbox.CountRequests("POST", "/v2/calls"));
    }

    [Fact]
    public async Task A_hundred_concurrent_requests_with_one_key_place_exactly_one_call()
    {
        var sandbox = Pooled();
        await using var host = await ConnectorHostHarness.StartAsync(azurite, sandbox);
        sandbox.Latency = TimeSpan.Zero;
        var body = new { modelId = Outbound, phone = Lead, name = "Ada" };

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => PostAsync(host, body, key: "run-0004")));

        Assert.Equal(1, host.Sandbox.CountRequests("POST", "/v2/calls"));
        Assert.Single(host.Sandbox.Calls);
        Assert.All(responses, response => Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"got {(int)response.StatusCode}"));
        Assert.Contains(responses, response => response.StatusCode == HttpStatusCode.OK);
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            Assert.NotNull(conflict.Headers.RetryAfter);
        }

        var ids = new HashSet<string>();
        foreach (var ok in responses.Where(r => r.StatusCode == HttpStatusCode.OK))
        {
            ids.Add((await HttpAssert.OkAsync<MakeCallResponse>(ok)).CallId);
        }

        Assert.Single(ids);
        var replay = await CallAsync(host, body, key: "run-0004");
        Assert.Equal(ids.Single(), replay.CallId);
    }

    [Fact]
    public async Task Call_created_then_connection_dropped_then_retried_is_still_one_call()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());
        host.Sandbox.Faults.DropAfterProcessingNext(1, "POST", "/v2/calls");
        var body = new { modelId = Outbound, phone = Lead, name = "Ada", fromPhoneNumber = NewYork };

        var lost = await PostAsync(host, body, key: "run-0005");
        await HttpAssert.ProblemAsync(lost, HttpStatusCode.BadGateway);
        var retried = await CallAsync(host, body, key: "run-0005");

        Assert.True(retried.IdempotentReplay);
        Assert.Equal(host.Sandbox.Calls.Single().CallId, retried.CallId);
        Assert.Equal(NewYork, retried.FromPhoneNumber);
        Assert.Equal(1, host.Sandbox.CountRequests("POST", "/v2/calls"));
    }

    [Fact]
    public async Task A_timed_out_call_that_never_reached_Synthflow_is_placed_on_retry()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled(), new Dictionary<string, string?> { ["Synthflow:Timeout"] = "00:00:00.300" });
        host.Sandbox.Faults.TimeoutNext(1, "POST", "/v2/calls");
        var body = new { modelId = Outbound, phone = Lead, name = "Ada" };

        await HttpAssert.ProblemAsync(await PostAsync(host, body, key: "run-0006"), HttpStatusCode.GatewayTimeout);
        var retried = await CallAsync(host, body, key: "run-0006");

        // The timed-out attempt created nothing (the sandbox never processed it): the lookup proves it absent, so one call is placed.
        Assert.False(retried.IdempotentReplay);
        Assert.Single(host.Sandbox.Calls);
        Assert.Equal(2, host.Sandbox.CountRequests("POST", "/v2/calls"));
        Assert.True(host.Sandbox.CountRequests("GET", "/v2/calls") >= 1);
    }

    [Fact]
    public async Task A_throttled_call_frees_its_key_for_the_retry()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());
        host.Sandbox.Faults.FailNext(1, 429, "POST", "/v2/calls");
        var body = new { modelId = Outbound, phone = Lead, name = "Ada" };

        var throttled = await PostAsync(host, body, key: "run-0007");
        await HttpAssert.ProblemAsync(throttled, HttpStatusCode.TooManyRequests);
        Assert.NotNull(throttled.Headers.RetryAfter);
        var retried = await CallAsync(host, body, key: "run-0007");

        Assert.False(retried.IdempotentReplay);
        Assert.Single(host.Sandbox.Calls);
    }

    [Fact]
    public async Task Phone_numbers_are_masked_in_logs()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());

        await CallAsync(host, new { modelId = Outbound, phone = Lead, name = "Ada", fromPhoneNumber = NewYork }, key: "run-0008");

        Assert.Contains(host.Logs.Lines, line => line.Contains("+1617*****99", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, line => line.Contains("6175550199", StringComparison.Ordinal));
        Assert.DoesNotContain(host.Logs.Lines, line => line.Contains(host.Sandbox.ApiKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_expired_key_places_a_new_call()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled(), new Dictionary<string, string?> { ["Calls:IdempotencyKeyTtl"] = "01:00:00" }, clock);
        var body = new { modelId = Outbound, phone = Lead, name = "Ada" };

        var first = await CallAsync(host, body, key: "run-0009");
        clock.Advance(TimeSpan.FromMinutes(59));
        var replay = await CallAsync(host, body, key: "run-0009");
        clock.Advance(TimeSpan.FromMinutes(2));
        var fresh = await CallAsync(host, body, key: "run-0009");

        Assert.True(replay.IdempotentReplay);
        Assert.Equal(first.CallId, replay.CallId);
        Assert.False(fresh.IdempotentReplay);
        Assert.NotEqual(first.CallId, fresh.CallId);
        Assert.Equal(2, host.Sandbox.CountRequests("POST", "/v2/calls"));
    }

    [Fact]
    public async Task Attaching_through_the_connector_refreshes_the_cached_pool_at_once()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled(), new Dictionary<string, string?> { ["Calls:AttachedNumbersCacheDuration"] = "00:10:00" });
        await CallAsync(host, new { modelId = Outbound, phone = Lead, name = "Ada", fromPhoneNumber = NewYork });

        await HttpAssert.OkAsync<AgentPhoneNumbers>(await host.Client.PutAsync(new Uri($"/api/agents/{Outbound}/phone-numbers", UriKind.Relative), HttpAssert.Json(new { phoneNumbers = new[] { Chicago } })));
        var placed = await CallAsync(host, new { modelId = Outbound, phone = Lead, name = "Ada", fromPhoneNumber = Chicago });

        Assert.Equal(Chicago, placed.FromPhoneNumber);
    }

    [Fact]
    public async Task The_pool_cache_serves_a_burst_of_calls_from_one_read()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled(), new Dictionary<string, string?> { ["Calls:AttachedNumbersCacheDuration"] = "00:10:00" });

        for (var i = 0; i < 5; i++)
        {
            await CallAsync(host, new { modelId = "agent-pool", phone = Lead, name = "Ada", callerIdStrategy = "round-robin" });
        }

        Assert.Equal(1, host.Sandbox.CountRequests("GET", "/v2/assistants/agent-pool"));
        Assert.Equal(5, host.Sandbox.CountRequests("POST", "/v2/calls"));
    }

    [Fact]
    public async Task Get_call_of_an_unknown_call_is_404_and_a_bad_id_is_400()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());

        await HttpAssert.ProblemAsync(await host.Client.GetAsync(new Uri("/api/calls/00000000-0000-0000-0000-000000000000", UriKind.Relative)), HttpStatusCode.NotFound);
        await HttpAssert.ProblemAsync(await host.Client.GetAsync(new Uri("/api/calls/a%20b", UriKind.Relative)), HttpStatusCode.BadRequest, "callId");
    }

    [Fact]
    public async Task A_lost_answer_without_a_key_says_a_plain_retry_could_dial_twice()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Pooled());
        host.Sandbox.Faults.DropAfterProcessingNext(1, "POST", "/v2/calls");

        var problem = await HttpAssert.ProblemAsync(await PostAsync(host, new { modelId = Outbound, phone = Lead, name = "Ada" }), HttpStatusCode.BadGateway);

        Assert.Contains("send an Idempotency-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(host.Sandbox.Calls);
    }
}
