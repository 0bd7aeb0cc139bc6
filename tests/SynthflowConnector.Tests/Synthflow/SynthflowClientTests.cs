using System.Net;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Synthflow;

/// <summary>The typed client against the sandbox over a real loopback socket.</summary>
public sealed class SynthflowClientTests
{
    internal const string Outbound = "agent-outbound";
    internal const string Inbound = "agent-inbound";
    internal const string SanFrancisco = "+14155550101";
    internal const string NewYork = "+12125550102";
    internal const string Chicago = "+13125550103";
    internal const string London = "+447700900123";
    internal const string Lead = "+16175550199";

    internal static SynthflowSandbox Workspace()
    {
        var sandbox = new SynthflowSandbox(new SandboxOptions { Seed = false });
        sandbox.AddNumber(SanFrancisco, "PN" + new string('a', 32));
        sandbox.AddNumber(NewYork, "PN" + new string('b', 32));
        sandbox.AddNumber(Chicago, sid: null);
        sandbox.AddNumber(London, "PN" + new string('c', 32));
        sandbox.AddAgent(Outbound, "Sales", AgentTypes.Outbound, [SanFrancisco, NewYork]);
        sandbox.AddAgent(Inbound, "Front desk", AgentTypes.Inbound);
        return sandbox;
    }

    [Fact]
    public async Task GetAgent_returns_the_pool_with_numbers_slugs_and_sids()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());

        var agent = await harness.Client.GetAgentAsync(Outbound);

        Assert.Equal(Outbound, agent.ModelId);
        Assert.True(agent.IsOutbound);
        Assert.NotNull(agent.AttachedPhoneNumbers);
        Assert.Equal(
            [(NewYork, "12125550102"), (SanFrancisco, "14155550101")],
            agent.AttachedPhoneNumbers!.Select(n => (n.Number, n.Slug)).Order().ToArray());
        Assert.All(agent.AttachedPhoneNumbers!, n => Assert.StartsWith("PN", n.Sid, StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetAgent_of_an_unknown_agent_throws_404_with_Synthflows_detail()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());

        var error = await Assert.ThrowsAsync<SynthflowApiException>(() => harness.Client.GetAgentAsync("no-such-agent"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.True(error.IsNotFound);
        Assert.False(string.IsNullOrEmpty(error.Description));
        Assert.False(string.IsNullOrEmpty(error.Category));
        Assert.False(string.IsNullOrEmpty(error.RequestId));
        Assert.Contains(error.RequestId!, error.Message, StringComparison.Ordinal);
        Assert.Equal("get-assistant", error.Operation);
    }

    [Fact]
    public async Task A_rejected_key_says_key_rejected_or_wrong_region()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace(), apiKey: "not-the-key");

        var error = await Assert.ThrowsAsync<SynthflowApiException>(() => harness.Client.GetAgentAsync(Outbound));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Contains("API key rejected or wrong region", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, harness.Sandbox.CountRequests("GET", "/v2/assistants"));
    }

    [Fact]
    public async Task ListAgents_pages_lazily_and_reads_every_page()
    {
        var sandbox = Workspace();
        for (var i = 0; i < 248; i++)
        {
            sandbox.AddAgent($"bulk-{i:D3}", $"Bulk {i}", AgentTypes.Outbound);
        }

        await using var harness = await SynthflowClientHarness.StartAsync(sandbox);

        var firstFive = await harness.Client.ListAgentsAsync().Take(5).ToListAsync();
        Assert.Equal(5, firstFive.Count);
        Assert.Equal(1, harness.Sandbox.CountRequests("GET", "/v2/assistants"));

        harness.Sandbox.ClearRequests();
        var all = await harness.Client.ListAgentsAsync().ToListAsync();
        Assert.Equal(250, all.Count);
        Assert.Equal(250, all.Select(a => a.ModelId).Distinct().Count());
        Assert.Equal(3, harness.Sandbox.CountRequests("GET", "/v2/assistants"));
    }

    [Fact]
    public async Task Attach_by_numbers_and_by_slugs_both_reach_the_agent()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());

        await harness.Client.AttachPhoneNumbersAsync(Outbound, AttachPhoneNumbers.ByNumbers([Chicago]));
        await harness.Client.AttachPhoneNumbersAsync(Outbound, AttachPhoneNumbers.BySlugs(["447700900123"]));

        var numbers = (await harness.Client.GetAgentAsync(Outbound)).AttachedPhoneNumbers!.Select(n => n.Number).ToHashSet();
        Assert.Superset(new HashSet<string> { Chicago, London }, numbers);
        var bodies = harness.Sandbox.Requests.Where(r => r.Method == "PUT").Select(r => r.Body).ToList();
        Assert.Equal(["{\"phone_numbers\":[\"+13125550103\"]}", "{\"phone_number_slugs\":[\"447700900123\"]}"], bodies);
    }

    [Fact]
    public async Task Attaching_a_number_the_workspace_does_not_own_is_a_400_and_changes_nothing()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());

        var error = await Assert.ThrowsAsync<SynthflowApiException>(() =>
            harness.Client.AttachPhoneNumbersAsync(Outbound, AttachPhoneNumbers.ByNumbers([Chicago, "+19995550100"])));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Contains("+19995550100", error.Description, StringComparison.Ordinal);
        Assert.Equal(2, harness.Sandbox.GetAgent(Outbound)!.AttachedPhoneNumbers!.Count);
        Assert.Equal(1, harness.Sandbox.CountRequests("PUT", "/v2/assistants"));
    }

    [Fact]
    public async Task Detach_removes_one_number_and_a_second_detach_is_a_404()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());

        await harness.Client.DetachPhoneNumberAsync(Outbound, "12125550102");
        var error = await Assert.ThrowsAsync<SynthflowApiException>(() => harness.Client.DetachPhoneNumberAsync(Outbound, "12125550102"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal([SanFrancisco], harness.Sandbox.GetAgent(Outbound)!.AttachedPhoneNumbers!.Select(n => n.Number));
    }

    [Fact]
    public async Task ListPhoneNumbers_reads_the_workspace_numbers()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());

        var numbers = await harness.Client.ListPhoneNumbersAsync().ToListAsync();

        Assert.Equal([NewYork, Chicago, SanFrancisco, London], numbers.Select(n => n.Number).Order(StringComparer.Ordinal));
        Assert.Contains(numbers, n => n.Number == Chicago && n.Sid is null);
        Assert.Equal("13125550103", numbers.Single(n => n.Number == Chicago).Slug);
        var request = Assert.Single(harness.Sandbox.Requests);
        Assert.Contains("workspace=" + harness.Sandbox.Workspace, request.QueryString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListPhoneNumbers_without_a_workspace_names_the_setting_and_sends_nothing()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace(), new Dictionary<string, string?> { ["Synthflow:Workspace"] = "" });

        var error = await Assert.ThrowsAsync<SynthflowConfigurationException>(() => harness.Client.ListPhoneNumbersAsync().ToListAsync().AsTask());

        Assert.Contains("Synthflow__Workspace", error.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Sandbox.Requests);
    }

    [Fact]
    public async Task PlaceCall_with_an_attached_caller_id_can_be_read_back_and_found_by_lead()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());
        var before = DateTimeOffset.UtcNow.AddMinutes(-1);

        var placed = await harness.Client.PlaceCallAsync(new PlaceCallRequest
        {
            ModelId = Outbound,
            Phone = Lead,
            Name = "Ada Lovelace",
            FromPhoneNumber = NewYork,
            CustomVariables = [new CustomVariable { Key = "order", Value = "A-17" }],
            LeadEmail = "ada@example.com",
        });

        Assert.False(string.IsNullOrEmpty(placed.CallId));
        var call = await harness.Client.GetCallAsync(placed.CallId);
        Assert.Equal(placed.CallId, call.CallId);
        Assert.Equal(NewYork, call.PhoneNumberFrom);
        Assert.Equal(Lead, call.PhoneNumberTo);
        Assert.NotNull(call.EffectiveStatus);

        var found = await harness.Client.ListCallsAsync(new CallSearch { ModelId = Outbound, LeadPhoneNumber = Lead, From = before }).ToListAsync();
        Assert.Equal(placed.CallId, Assert.Single(found).CallId);
        var other = await harness.Client.ListCallsAsync(new CallSearch { ModelId = Outbound, LeadPhoneNumber = "+16175550100", From = before }).ToListAsync();
        Assert.Empty(other);
        var listRequest = harness.Sandbox.Requests.Last(r => r.Method == "GET" && r.Path.StartsWith("/v2/calls", StringComparison.Ordinal) && r.QueryString.Contains("lead_phone_number", StringComparison.Ordinal));
        Assert.Contains("lead_phone_number=%2B16175550100", listRequest.QueryString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlaceCall_sends_the_external_webhook_url_only_when_set()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());

        await harness.Client.PlaceCallAsync(new PlaceCallRequest
        {
            ModelId = Outbound,
            Phone = Lead,
            Name = "Ada",
            ExternalWebhookUrl = "https://connector.example.com/api/webhooks/synthflow",
        });
        await harness.Client.PlaceCallAsync(new PlaceCallRequest { ModelId = Outbound, Phone = Lead, Name = "Ada" });

        var bodies = harness.Sandbox.Requests.Where(r => r.Method == "POST" && r.Path == "/v2/calls").Select(r => r.Body).ToList();
        Assert.Equal(2, bodies.Count);
        using var withUrl = System.Text.Json.JsonDocument.Parse(bodies[0]!);
        Assert.Equal("https://connector.example.com/api/webhooks/synthflow", withUrl.RootElement.GetProperty("external_webhook_url").GetString());
        using var withoutUrl = System.Text.Json.JsonDocument.Parse(bodies[1]!);
        Assert.False(withoutUrl.RootElement.TryGetProperty("external_webhook_url", out _));
    }

    [Fact]
    public async Task PlaceCall_from_a_number_not_attached_is_a_400()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());

        var error = await Assert.ThrowsAsync<SynthflowApiException>(() => harness.Client.PlaceCallAsync(
            new PlaceCallRequest { ModelId = Outbound, Phone = Lead, Name = "Ada", FromPhoneNumber = Chicago }));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Empty(harness.Sandbox.Calls);
    }

    [Fact]
    public async Task GetCall_of_an_unknown_call_is_a_404()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());

        var error = await Assert.ThrowsAsync<SynthflowApiException>(() => harness.Client.GetCallAsync("00000000-0000-0000-0000-000000000000"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task A_429_then_success_gives_one_success()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());
        harness.Sandbox.Faults.FailNext(1, 429, "GET", "/v2/assistants");

        var agent = await harness.Client.GetAgentAsync(Outbound);

        Assert.Equal(Outbound, agent.ModelId);
        Assert.Equal([429, 200], harness.Sandbox.Requests.Select(r => r.StatusCode));
    }

    [Fact]
    public async Task PlaceCall_answered_503_is_not_retried()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());
        harness.Sandbox.Faults.FailNext(1, 503, "POST", "/v2/calls");

        var error = await Assert.ThrowsAsync<SynthflowApiException>(() => harness.Client.PlaceCallAsync(
            new PlaceCallRequest { ModelId = Outbound, Phone = Lead, Name = "Ada" }));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Equal(1, harness.Sandbox.CountRequests("POST", "/v2/calls"));
        Assert.Empty(harness.Sandbox.Calls);
    }

    [Fact]
    public async Task Idempotent_requests_give_up_after_the_configured_retries()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace(), new Dictionary<string, string?> { ["Synthflow:MaxRetries"] = "2" });
        harness.Sandbox.Faults.FailNext(10, 502, "PUT", "/v2/assistants");

        var error = await Assert.ThrowsAsync<SynthflowApiException>(() =>
            harness.Client.AttachPhoneNumbersAsync(Outbound, AttachPhoneNumbers.ByNumbers([Chicago])));

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.Equal(3, harness.Sandbox.CountRequests("PUT", "/v2/assistants"));
    }

    [Fact]
    public async Task A_dropped_connection_on_a_GET_is_retried()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());
        harness.Sandbox.Faults.DropConnectionNext(1, "GET", "/v2/calls");
        var placed = await harness.Client.PlaceCallAsync(new PlaceCallRequest { ModelId = Outbound, Phone = Lead, Name = "Ada" });

        var call = await harness.Client.GetCallAsync(placed.CallId);

        Assert.Equal(placed.CallId, call.CallId);
        Assert.Equal(2, harness.Sandbox.CountRequests("GET", "/v2/calls"));
    }

    [Fact]
    public async Task Call_created_then_connection_dropped_is_reported_as_unknown_and_not_retried()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());
        harness.Sandbox.Faults.DropAfterProcessingNext(1, "POST", "/v2/calls");

        var error = await Assert.ThrowsAsync<SynthflowTransportException>(() => harness.Client.PlaceCallAsync(
            new PlaceCallRequest { ModelId = Outbound, Phone = Lead, Name = "Ada" }));

        Assert.False(error.IsTimeout);
        Assert.Contains("outcome is unknown", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, harness.Sandbox.CountRequests("POST", "/v2/calls"));
        Assert.Single(harness.Sandbox.Calls);
    }

    [Fact]
    public async Task A_call_attempt_that_times_out_is_reported_as_a_timeout_after_one_attempt()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace(), new Dictionary<string, string?> { ["Synthflow:Timeout"] = "00:00:00.300" });
        harness.Sandbox.Faults.TimeoutNext(1, "POST", "/v2/calls");

        var error = await Assert.ThrowsAsync<SynthflowTransportException>(() => harness.Client.PlaceCallAsync(
            new PlaceCallRequest { ModelId = Outbound, Phone = Lead, Name = "Ada" }));

        Assert.True(error.IsTimeout);
        Assert.Equal(1, harness.Sandbox.CountRequests("POST", "/v2/calls"));
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("a\nb")]
    public async Task Identifiers_that_would_change_the_path_are_refused_before_sending(string modelId)
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());

        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.GetAgentAsync(modelId));

        Assert.Empty(harness.Sandbox.Requests);
    }

    [Fact]
    public async Task Identifiers_are_escaped_into_one_path_segment()
    {
        await using var harness = await SynthflowClientHarness.StartAsync(Workspace());

        await Assert.ThrowsAsync<SynthflowApiException>(() => harness.Client.GetAgentAsync("../numbers"));

        var request = Assert.Single(harness.Sandbox.Requests);
        Assert.Equal(404, request.StatusCode);
        Assert.StartsWith("/v2/assistants/", request.Path, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_key_never_reaches_logs_or_exceptions()
    {
        var sandbox = Workspace();
        await using var harness = await SynthflowClientHarness.StartAsync(sandbox, new Dictionary<string, string?> { ["Synthflow:Timeout"] = "00:00:00.300" });
        var key = harness.Sandbox.ApiKey;
        var errors = new List<Exception>();
        async Task Run(Func<Task> action)
        {
            try
            {
                await action();
            }
            catch (SynthflowException exception)
            {
                errors.Add(exception);
            }
        }

        harness.Sandbox.Faults.FailNext(1, 429, "GET", "/v2/assistants");
        await Run(() => harness.Client.GetAgentAsync(Outbound));
        await Run(() => harness.Client.GetAgentAsync("missing"));
        await Run(() => harness.Client.ListAgentsAsync().ToListAsync().AsTask());
        await Run(() => harness.Client.AttachPhoneNumbersAsync(Outbound, AttachPhoneNumbers.ByNumbers([Chicago])));
        await Run(() => harness.Client.AttachPhoneNumbersAsync(Outbound, AttachPhoneNumbers.ByNumbers(["+19995550100"])));
        await Run(() => harness.Client.DetachPhoneNumberAsync(Outbound, "13125550103"));
        await Run(() => harness.Client.ListPhoneNumbersAsync().ToListAsync().AsTask());
        harness.Sandbox.Faults.TimeoutNext(1, "POST", "/v2/calls");
        await Run(() => harness.Client.PlaceCallAsync(new PlaceCallRequest { ModelId = Outbound, Phone = Lead, Name = "Ada" }));
        harness.Sandbox.Faults.DropAfterProcessingNext(1, "POST", "/v2/calls");
        await Run(() => harness.Client.PlaceCallAsync(new PlaceCallRequest { ModelId = Outbound, Phone = Lead, Name = "Ada" }));
        await Run(() => harness.Client.ListCallsAsync(new CallSearch { ModelId = Outbound, LeadPhoneNumber = Lead }).ToListAsync().AsTask());
        await Run(() => harness.Client.GetCallAsync("missing"));

        Assert.True(errors.Count >= 4, "the run must include failures");
        Assert.NotEmpty(harness.Logs.Lines);
        Assert.DoesNotContain(harness.Logs.Lines, line => line.Contains(key, StringComparison.Ordinal));
        Assert.DoesNotContain(errors, error => error.ToString().Contains(key, StringComparison.Ordinal));

        // Phone numbers ride in URLs (slugs, lead_phone_number): no URL may be logged either.
        Assert.DoesNotContain(harness.Logs.Lines, line => line.Contains("6175550199", StringComparison.Ordinal));
        Assert.DoesNotContain(harness.Logs.Lines, line => line.Contains("13125550103", StringComparison.Ordinal));
    }
}
