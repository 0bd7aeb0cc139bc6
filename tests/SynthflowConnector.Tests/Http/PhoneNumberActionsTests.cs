using System.Net;
using SynthflowConnector.Calls;
using SynthflowConnector.Agents;
using SynthflowConnector.Http;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Tests.Synthflow.SynthflowClientTests;

namespace SynthflowConnector.Tests.Http;

/// <summary>The list, attach and detach actions through the real Host over HTTP, against the sandbox and Azurite.</summary>
[Collection("Azurite")]
public sealed class PhoneNumberActionsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Health_is_anonymous_and_says_the_mode()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite);

        var health = await HttpAssert.OkAsync<HealthReport>(await host.Anonymous.GetAsync(new Uri("/api/health", UriKind.Relative)));

        Assert.Equal("healthy", health.Status);
        Assert.Equal("live", health.Mode);
        Assert.Equal("global", health.Region);

        // Real sockets: the Host listens on Kestrel, not an in-memory test server.
        Assert.Equal("127.0.0.1", host.Anonymous.BaseAddress!.Host);
        Assert.NotEqual(0, host.Anonymous.BaseAddress.Port);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0123456789")]
    public async Task Actions_without_the_function_key_are_401_and_send_nothing(string? key)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/agents/{Outbound}/phone-numbers");
        if (key is not null)
        {
            request.Headers.Add("x-functions-key", key);
        }

        await HttpAssert.ProblemAsync(await host.Anonymous.SendAsync(request), HttpStatusCode.Unauthorized);

        Assert.Empty(host.Sandbox.Requests);
    }

    [Fact]
    public async Task The_key_is_also_accepted_as_the_code_query_parameter()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        var numbers = await HttpAssert.OkAsync<AgentPhoneNumbers>(await host.Anonymous.GetAsync(new Uri($"/api/agents/{Outbound}/phone-numbers?code={ConnectorHostHarness.FunctionKey}", UriKind.Relative)));

        Assert.Equal(2, numbers.PhoneNumbers.Count);
    }

    [Fact]
    public async Task ListAgents_filters_by_type()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        var all = await HttpAssert.OkAsync<AgentList>(await host.Client.GetAsync(new Uri("/api/agents", UriKind.Relative)));
        var outbound = await HttpAssert.OkAsync<AgentList>(await host.Client.GetAsync(new Uri("/api/agents?type=outbound", UriKind.Relative)));

        Assert.Equal(2, all.Agents.Count);
        Assert.Equal([Outbound], outbound.Agents.Select(a => a.ModelId));
        Assert.Equal("Sales", outbound.Agents[0].Name);
        await HttpAssert.ProblemAsync(await host.Client.GetAsync(new Uri("/api/agents?type=robots", UriKind.Relative)), HttpStatusCode.BadRequest, "type");
    }

    [Fact]
    public async Task ListAgentPhoneNumbers_returns_number_slug_and_sid()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        var numbers = await HttpAssert.OkAsync<AgentPhoneNumbers>(await host.Client.GetAsync(new Uri($"/api/agents/{Outbound}/phone-numbers", UriKind.Relative)));

        Assert.Equal(Outbound, numbers.ModelId);
        Assert.Equal([new PhoneNumberItem(NewYork, "12125550102", "PN" + new string('b', 32)), new PhoneNumberItem(SanFrancisco, "14155550101", "PN" + new string('a', 32))], numbers.PhoneNumbers);
    }

    [Fact]
    public async Task Attach_by_numbers_answers_the_pool_after_the_change()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        var numbers = await HttpAssert.OkAsync<AgentPhoneNumbers>(await host.Client.PutAsync(
            new Uri($"/api/agents/{Outbound}/phone-numbers", UriKind.Relative),
            HttpAssert.Json(new { phoneNumbers = new[] { Chicago, Chicago } })));

        Assert.Equal([NewYork, Chicago, SanFrancisco], numbers.PhoneNumbers.Select(n => n.Number));
        var put = Assert.Single(host.Sandbox.Requests, r => r.Method == "PUT");
        Assert.Equal("{\"phone_numbers\":[\"+13125550103\"]}", put.Body);
    }

    [Fact]
    public async Task Attach_by_slugs_works_too()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        var numbers = await HttpAssert.OkAsync<AgentPhoneNumbers>(await host.Client.PutAsync(
            new Uri($"/api/agents/{Outbound}/phone-numbers", UriKind.Relative),
            HttpAssert.Json(new { phoneNumberSlugs = new[] { "447700900123" } })));

        Assert.Contains(numbers.PhoneNumbers, n => n.Number == London);
    }

    public static TheoryData<string, string> BadAttachBodies => new()
    {
        { """{"phoneNumbers":["+13125550103"],"phoneNumberSlugs":["13125550103"]}""", "body" },
        { """{}""", "body" },
        { """{"phoneNumbers":[]}""", "phoneNumbers" },
        { """{"phoneNumbers":["13125550103"]}""", "phoneNumbers[0]" },
        { """{"phoneNumbers":["+13125550103","+1 312 555"]}""", "phoneNumbers[1]" },
        { """{"phoneNumberSlugs":["+13125550103"]}""", "phoneNumberSlugs[0]" },
        { """{"phoneNumbers":[""" + string.Join(",", Enumerable.Range(0, 101).Select(i => $"\"+1312555{i:D4}\"")) + "]}", "phoneNumbers" },
        { """{"phoneNumbers":"+13125550103"}""", "phoneNumbers" },
        { """{"phoneNumbers":["+13125550103"]""", "body" },
    };

    [Theory]
    [MemberData(nameof(BadAttachBodies))]
    public async Task Bad_attach_bodies_are_400_naming_the_field_and_send_nothing(string body, string field)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        var response = await host.Client.PutAsync(new Uri($"/api/agents/{Outbound}/phone-numbers", UriKind.Relative), HttpAssert.Raw(body));

        await HttpAssert.ProblemAsync(response, HttpStatusCode.BadRequest, field);
        Assert.Empty(host.Sandbox.Requests);
    }

    [Fact]
    public async Task Unknown_properties_are_ignored()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        var response = await host.Client.PutAsync(new Uri($"/api/agents/{Outbound}/phone-numbers", UriKind.Relative), HttpAssert.Raw("""{"phoneNumbers":["+13125550103"],"comment":"from my flow"}"""));

        await HttpAssert.OkAsync<AgentPhoneNumbers>(response);
    }

    [Fact]
    public async Task Wrong_content_type_is_415_and_oversized_bodies_are_413()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        var uri = new Uri($"/api/agents/{Outbound}/phone-numbers", UriKind.Relative);

        await HttpAssert.ProblemAsync(await host.Client.PutAsync(uri, HttpAssert.Raw("phoneNumbers=+13125550103", "application/x-www-form-urlencoded")), HttpStatusCode.UnsupportedMediaType);
        await HttpAssert.ProblemAsync(await host.Client.PutAsync(uri, HttpAssert.Raw("{\"phoneNumbers\":[\"+13125550103\"],\"pad\":\"" + new string('x', 70_000) + "\"}")), HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(host.Sandbox.Requests);
    }

    [Theory]
    [InlineData("a..b")]
    [InlineData("a%2Fb")]
    [InlineData("a%00b")]
    [InlineData("x234567890123456789012345678901234567890123456789012345678901234567890")]
    public async Task Unsafe_model_ids_are_400_and_send_nothing(string modelId)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        var response = await host.Client.GetAsync(new Uri($"/api/agents/{modelId}/phone-numbers", UriKind.Relative));

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"got {(int)response.StatusCode}");
        Assert.Empty(host.Sandbox.Requests);
    }

    [Fact]
    public async Task Detach_is_retry_safe()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        var uri = new Uri($"/api/agents/{Outbound}/phone-numbers/12125550102", UriKind.Relative);

        var first = await HttpAssert.OkAsync<DetachResult>(await host.Client.DeleteAsync(uri));
        var second = await HttpAssert.OkAsync<DetachResult>(await host.Client.DeleteAsync(uri));

        Assert.True(first.WasAttached);
        Assert.False(second.WasAttached);
        Assert.Equal([SanFrancisco], second.PhoneNumbers.Select(n => n.Number));
        Assert.Equal(1, host.Sandbox.CountRequests("DELETE", "/v2/assistants"));
    }

    [Fact]
    public async Task Detach_with_a_bad_slug_is_400()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        await HttpAssert.ProblemAsync(await host.Client.DeleteAsync(new Uri($"/api/agents/{Outbound}/phone-numbers/12ab", UriKind.Relative)), HttpStatusCode.BadRequest, "slug");

        Assert.Empty(host.Sandbox.Requests);
    }

    [Fact]
    public async Task ListPhoneNumbers_lists_the_workspace()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        var list = await HttpAssert.OkAsync<WorkspacePhoneNumberList>(await host.Client.GetAsync(new Uri("/api/phone-numbers", UriKind.Relative)));

        Assert.Equal(4, list.PhoneNumbers.Count);
        Assert.Contains(list.PhoneNumbers, n => n.Number == Chicago && n.Slug == "13125550103" && n.Sid is null);
    }

    [Fact]
    public async Task An_unknown_agent_is_a_404_with_Synthflows_request_id()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        var problem = await HttpAssert.ProblemAsync(await host.Client.GetAsync(new Uri("/api/agents/nobody/phone-numbers", UriKind.Relative)), HttpStatusCode.NotFound);

        Assert.False(string.IsNullOrEmpty(problem.GetProperty("synthflowRequestId").GetString()));
    }

    [Fact]
    public async Task A_rejected_Synthflow_key_is_a_502_saying_key_or_region()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace(), new Dictionary<string, string?>());
        host.Sandbox.Faults.FailNext(1, 401, "GET", "/v2/assistants");

        var problem = await HttpAssert.ProblemAsync(await host.Client.GetAsync(new Uri($"/api/agents/{Outbound}/phone-numbers", UriKind.Relative)), HttpStatusCode.BadGateway);

        Assert.Equal("Synthflow rejected the API key, or the region is wrong.", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Upstream_throttling_is_a_429_with_Retry_After()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace(), new Dictionary<string, string?> { ["Synthflow:MaxRetries"] = "0" });
        host.Sandbox.Faults.FailNext(1, 429, "GET", "/v2/assistants", TimeSpan.FromSeconds(7));

        var response = await host.Client.GetAsync(new Uri($"/api/agents/{Outbound}/phone-numbers", UriKind.Relative));

        await HttpAssert.ProblemAsync(response, HttpStatusCode.TooManyRequests);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task Upstream_5xx_after_retries_is_a_502()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace(), new Dictionary<string, string?> { ["Synthflow:MaxRetries"] = "1" });
        host.Sandbox.Faults.FailNext(5, 503, "GET", "/v2/assistants");

        await HttpAssert.ProblemAsync(await host.Client.GetAsync(new Uri($"/api/agents/{Outbound}/phone-numbers", UriKind.Relative)), HttpStatusCode.BadGateway);

        Assert.Equal(2, host.Sandbox.CountRequests("GET", "/v2/assistants"));
    }

    [Fact]
    public async Task An_upstream_timeout_is_a_504()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace(), new Dictionary<string, string?> { ["Synthflow:MaxRetries"] = "0", ["Synthflow:Timeout"] = "00:00:00.300" });
        host.Sandbox.Faults.TimeoutNext(1, "GET", "/v2/assistants");

        await HttpAssert.ProblemAsync(await host.Client.GetAsync(new Uri($"/api/agents/{Outbound}/phone-numbers", UriKind.Relative)), HttpStatusCode.GatewayTimeout);
    }

    [Fact]
    public async Task An_upstream_400_is_a_400_with_Synthflows_description()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        var problem = await HttpAssert.ProblemAsync(
            await host.Client.PutAsync(new Uri($"/api/agents/{Outbound}/phone-numbers", UriKind.Relative), HttpAssert.Json(new { phoneNumbers = new[] { "+19995550100" } })),
            HttpStatusCode.BadRequest);

        Assert.Contains("+19995550100", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
