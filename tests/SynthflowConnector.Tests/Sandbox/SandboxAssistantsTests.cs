using System.Net;
using System.Text.Json;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Sandbox;

/// <summary>Agents and their outbound pools: list, get, attach, detach; plus auth and routing, which every endpoint shares.</summary>
public sealed class SandboxAssistantsTests
{
    [Fact]
    public async Task List_returns_the_seeded_agents_in_creation_order_without_pools()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync("assistants/");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("application/json", answer.MediaType);
        Assert.Equal("ok", answer.Json.GetProperty("status").GetString());
        var response = answer.Json.GetProperty("response");
        Assert.Equal(5, response.GetProperty("pagination").GetProperty("total_records").GetInt32());
        Assert.Equal(20, response.GetProperty("pagination").GetProperty("limit").GetInt32());
        Assert.Equal(0, response.GetProperty("pagination").GetProperty("offset").GetInt32());
        var agents = response.GetProperty("assistants").EnumerateArray().ToArray();
        Assert.Equal(
            [SandboxSeed.SalesEastName, SandboxSeed.SalesWestName, SandboxSeed.CollectionsName, SandboxSeed.AppointmentRemindersName, SandboxSeed.FrontDeskName],
            agents.Select(a => a.GetProperty("name").GetString()));
        Assert.All(agents, a => Assert.False(a.TryGetProperty("attached_phone_numbers", out _)));
        var frontDesk = agents.Single(a => a.GetProperty("model_id").GetString() == SandboxSeed.FrontDeskModelId);
        Assert.Equal("inbound", frontDesk.GetProperty("type").GetString());
        Assert.Equal(SandboxSeed.SanFrancisco2, frontDesk.GetProperty("phone_number").GetString());
    }

    [Fact]
    public async Task List_answers_without_the_trailing_slash_too()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync("assistants");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(5, answer.Json.GetProperty("response").GetProperty("assistants").GetArrayLength());
    }

    [Theory]
    [InlineData("limit=2&offset=2", 2, 2, new[] { SandboxSeed.CollectionsName, SandboxSeed.AppointmentRemindersName })]
    [InlineData("limit=2&offset=4", 2, 4, new[] { SandboxSeed.FrontDeskName })]
    [InlineData("offset=9", 20, 9, new string[0])]
    [InlineData("limit=0", 1, 0, new[] { SandboxSeed.SalesEastName })]
    [InlineData("limit=1000&offset=3", 100, 3, new[] { SandboxSeed.AppointmentRemindersName, SandboxSeed.FrontDeskName })]
    public async Task List_pages_with_limit_clamped_to_1_to_100(string query, int limit, int offset, string[] names)
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync("assistants/?" + query);

        var response = answer.Json.GetProperty("response");
        Assert.Equal(5, response.GetProperty("pagination").GetProperty("total_records").GetInt32());
        Assert.Equal(limit, response.GetProperty("pagination").GetProperty("limit").GetInt32());
        Assert.Equal(offset, response.GetProperty("pagination").GetProperty("offset").GetInt32());
        Assert.Equal(names, response.GetProperty("assistants").EnumerateArray().Select(a => a.GetProperty("name").GetString()));
    }

    [Theory]
    [InlineData("limit=ten")]
    [InlineData("offset=-1")]
    public async Task List_with_bad_paging_is_a_400(string query)
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync("assistants/?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("validation_error", answer.Category);
    }

    [Fact]
    public async Task Get_returns_one_agent_as_a_list_with_its_pool_and_a_null_sid_for_the_BYO_number()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync($"assistants/{SandboxSeed.CollectionsModelId}?include_actions=false");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var response = answer.Json.GetProperty("response");
        Assert.Equal("""{"total_records":1,"limit":1,"offset":0}""", response.GetProperty("pagination").GetRawText());
        var agent = Assert.Single(response.GetProperty("assistants").EnumerateArray().ToArray());
        Assert.Equal(SandboxSeed.CollectionsModelId, agent.GetProperty("model_id").GetString());
        Assert.Equal("outbound", agent.GetProperty("type").GetString());
        Assert.Equal(0, agent.GetProperty("actions").GetArrayLength());
        Assert.Equal(0, agent.GetProperty("input_variables").GetArrayLength());
        var pool = agent.GetProperty("attached_phone_numbers").EnumerateArray().ToArray();
        Assert.Equal(2, pool.Length);
        Assert.Equal(SandboxSeed.Chicago1, pool[0].GetProperty("number").GetString());
        Assert.Equal("13125550108", pool[0].GetProperty("slug").GetString());
        Assert.Equal("PNff56b050ca99ffb5ae86bd3977d859f0", pool[0].GetProperty("sid").GetString());

        // sid is required but nullable: a BYO number says null explicitly rather than leaving the field out.
        Assert.Equal(SandboxSeed.MiamiByo, pool[1].GetProperty("number").GetString());
        Assert.Equal(JsonValueKind.Null, pool[1].GetProperty("sid").ValueKind);
    }

    [Fact]
    public async Task Get_of_an_unknown_agent_is_a_404_in_the_detail_envelope()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync("assistants/no-such-agent");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("error", answer.Detail.GetProperty("status").GetString());
        Assert.Equal("not_found", answer.Category);
        Assert.Contains("no-such-agent", answer.Description, StringComparison.Ordinal);
        Assert.True(Guid.TryParse(answer.Detail.GetProperty("request_id").GetString(), out _));
    }

    [Fact]
    public async Task Get_with_a_non_boolean_include_actions_is_a_400()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync($"assistants/{SandboxSeed.SalesEastModelId}?include_actions=maybe");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("include_actions", answer.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-key")]
    public async Task A_missing_or_wrong_key_is_a_401_in_the_gateway_shape_and_is_logged(string? key)
    {
        await using var http = await SandboxHttp.StartAsync();
        using var client = http.CreateClient(key);

        var answer = await SandboxHttp.SendAsync(client, HttpMethod.Get, $"assistants/{SandboxSeed.SalesEastModelId}");

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
        Assert.Equal("""{"error":"Unauthorized","message":"Invalid API key"}""", answer.Json.GetRawText());
        var logged = Assert.Single(http.Sandbox.Requests);
        Assert.Equal(401, logged.StatusCode);
        Assert.Null(logged.Fault);
    }

    [Fact]
    public async Task The_key_is_checked_before_routing()
    {
        await using var http = await SandboxHttp.StartAsync();
        using var client = http.CreateClient("not-the-key");

        var answer = await SandboxHttp.SendAsync(client, HttpMethod.Get, "no/such/route");

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
    }

    [Fact]
    public async Task The_configured_key_is_the_one_accepted()
    {
        await using var http = await SandboxHttp.StartAsync(new SynthflowSandbox(new SandboxOptions { ApiKey = "fixed-key" }));
        using var client = http.CreateClient("fixed-key");

        var answer = await SandboxHttp.SendAsync(client, HttpMethod.Get, "assistants/");

        Assert.Equal("fixed-key", http.Sandbox.ApiKey);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
    }

    [Fact]
    public async Task An_unknown_route_under_the_prefix_is_a_404_with_a_plain_detail()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.GetAsync("agents/list");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("""{"detail":"Not Found"}""", answer.Json.GetRawText());
    }

    [Fact]
    public async Task A_known_route_with_an_unsupported_method_is_a_405_with_Allow()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Delete, "calls");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, answer.Status);
        Assert.Equal("GET, POST", answer.Allow);
        Assert.Equal("""{"detail":"Method Not Allowed"}""", answer.Json.GetRawText());
    }

    [Fact]
    public async Task A_real_operation_the_sandbox_does_not_simulate_is_a_501_that_says_so()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Delete, $"assistants/{SandboxSeed.SalesEastModelId}");

        Assert.Equal(HttpStatusCode.NotImplemented, answer.Status);
        Assert.Contains("does not simulate", answer.Description, StringComparison.Ordinal);
        Assert.NotNull(http.Sandbox.GetAgent(SandboxSeed.SalesEastModelId));
    }

    [Fact]
    public async Task Attach_by_numbers_adds_to_the_pool_by_default()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Put, $"assistants/{SandboxSeed.SalesWestModelId}/phone_numbers", $$"""{"phone_numbers":["{{SandboxSeed.LosAngeles1}}","{{SandboxSeed.SanFrancisco1}}"]}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("""{"status":"ok"}""", answer.Json.GetRawText());
        Assert.Equal(AttachSemantics.Add, http.Sandbox.AttachSemantics);
        Assert.Equal([SandboxSeed.SanFrancisco1, SandboxSeed.SanFrancisco3, SandboxSeed.LosAngeles1], Pool(http, SandboxSeed.SalesWestModelId));
    }

    [Fact]
    public async Task Attach_by_slugs_with_replace_semantics_sets_the_pool_to_exactly_the_given_numbers()
    {
        await using var http = await SandboxHttp.StartAsync();
        http.Sandbox.AttachSemantics = AttachSemantics.Replace;

        var answer = await http.SendAsync(HttpMethod.Put, $"assistants/{SandboxSeed.SalesEastModelId}/phone_numbers", """{"phone_number_slugs":["13125550109","442079460123"]}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal([SandboxSeed.Chicago2, SandboxSeed.London1], Pool(http, SandboxSeed.SalesEastModelId));
        var agent = http.Sandbox.GetAgent(SandboxSeed.SalesEastModelId)!;
        Assert.Equal(["13125550109", "442079460123"], agent.AttachedPhoneNumbers!.Select(n => n.Slug));
    }

    [Fact]
    public async Task Attach_with_both_numbers_and_slugs_is_a_400_and_changes_nothing()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Put, $"assistants/{SandboxSeed.SalesEastModelId}/phone_numbers", $$"""{"phone_numbers":["{{SandboxSeed.Austin1}}"],"phone_number_slugs":["15125550110"]}""");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("validation_error", answer.Category);
        Assert.Contains("not both", answer.Description, StringComparison.Ordinal);
        Assert.Equal([SandboxSeed.NewYork1, SandboxSeed.NewYork2, SandboxSeed.NewYork3], Pool(http, SandboxSeed.SalesEastModelId));
    }

    [Fact]
    public async Task Attach_reads_a_null_other_form_as_absent()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Put, $"assistants/{SandboxSeed.SalesWestModelId}/phone_numbers", $$"""{"phone_numbers":["{{SandboxSeed.LosAngeles1}}"],"phone_number_slugs":null}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Contains(SandboxSeed.LosAngeles1, Pool(http, SandboxSeed.SalesWestModelId));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("""{"phone_numbers":null}""")]
    [InlineData("""{"phone_numbers":[]}""")]
    [InlineData("""{"phone_number_slugs":[]}""")]
    [InlineData("""{"phone_numbers":"+13125550109"}""")]
    [InlineData("""{"phone_numbers":[13125550109]}""")]
    [InlineData("""{"phone_numbers":["3125550109"]}""")]
    [InlineData("""{"phone_numbers":[""")]
    [InlineData("[]")]
    [InlineData("")]
    public async Task Attach_with_a_missing_empty_or_malformed_body_is_a_400(string body)
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Put, $"assistants/{SandboxSeed.SalesEastModelId}/phone_numbers", body);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("validation_error", answer.Category);
        Assert.Equal(3, Pool(http, SandboxSeed.SalesEastModelId).Length);
    }

    [Fact]
    public async Task Attaching_a_number_the_workspace_does_not_own_is_a_400_naming_it_and_nothing_changes()
    {
        await using var http = await SandboxHttp.StartAsync();
        http.Sandbox.AttachSemantics = AttachSemantics.Replace;

        var answer = await http.SendAsync(HttpMethod.Put, $"assistants/{SandboxSeed.SalesEastModelId}/phone_numbers", $$"""{"phone_numbers":["{{SandboxSeed.Austin1}}","+19995550100"]}""");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("+19995550100", answer.Description, StringComparison.Ordinal);
        Assert.DoesNotContain(SandboxSeed.Austin1, answer.Description, StringComparison.Ordinal);

        // Atomic: the owned number in the same request was not attached, and Replace did not clear the pool.
        Assert.Equal([SandboxSeed.NewYork1, SandboxSeed.NewYork2, SandboxSeed.NewYork3], Pool(http, SandboxSeed.SalesEastModelId));
    }

    [Fact]
    public async Task Attaching_an_unknown_slug_names_the_slug()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Put, $"assistants/{SandboxSeed.SalesEastModelId}/phone_numbers", """{"phone_number_slugs":["19995550100"]}""");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("19995550100", answer.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Attaching_to_an_unknown_agent_is_a_404()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Put, "assistants/no-such-agent/phone_numbers", $$"""{"phone_numbers":["{{SandboxSeed.Austin1}}"]}""");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("not_found", answer.Category);
    }

    [Fact]
    public async Task Attaching_to_an_inbound_agent_is_a_400()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Put, $"assistants/{SandboxSeed.FrontDeskModelId}/phone_numbers", $$"""{"phone_numbers":["{{SandboxSeed.Austin1}}"]}""");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Contains("outbound", answer.Description, StringComparison.Ordinal);
        Assert.Empty(http.Sandbox.GetAgent(SandboxSeed.FrontDeskModelId)!.AttachedPhoneNumbers!);
    }

    [Fact]
    public async Task Detach_removes_exactly_one_number()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Delete, $"assistants/{SandboxSeed.SalesEastModelId}/phone_numbers/12125550102");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("""{"status":"ok"}""", answer.Json.GetRawText());
        Assert.Equal([SandboxSeed.NewYork1, SandboxSeed.NewYork3], Pool(http, SandboxSeed.SalesEastModelId));
    }

    [Fact]
    public async Task Detaching_a_number_that_is_not_attached_is_a_404_that_says_so()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Delete, $"assistants/{SandboxSeed.SalesEastModelId}/phone_numbers/15125550110");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal("not_found", answer.Category);
        Assert.Contains("not attached", answer.Description, StringComparison.Ordinal);
        Assert.Equal(3, Pool(http, SandboxSeed.SalesEastModelId).Length);
    }

    [Fact]
    public async Task Detaching_from_an_unknown_agent_is_a_404()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Delete, "assistants/no-such-agent/phone_numbers/12125550101");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Contains("no-such-agent", answer.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detaching_from_an_inbound_agent_is_a_400()
    {
        await using var http = await SandboxHttp.StartAsync();

        var answer = await http.SendAsync(HttpMethod.Delete, $"assistants/{SandboxSeed.FrontDeskModelId}/phone_numbers/14155550105");

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(SandboxSeed.SanFrancisco2, http.Sandbox.GetAgent(SandboxSeed.FrontDeskModelId)!.PhoneNumber);
    }

    private static string[] Pool(SandboxHttp http, string modelId) =>
        [.. http.Sandbox.GetAgent(modelId)!.AttachedPhoneNumbers!.Select(n => n.Number)];
}
