using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SynthflowConnector.Calls;
using SynthflowConnector.Agents;
using SynthflowConnector.Hooks;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>
/// End to end through the definition only: the real Host (Kestrel on loopback, Azurite, the seeded sandbox) driven
/// by a <see cref="DefinitionClient"/> that builds every request from the swagger and a connection, picks agents and
/// numbers from the dropdowns the definition declares, and checks every answer against the definition's schema.
/// Each operation is exercised with every input it declares (over one or more calls).
/// </summary>
[Collection("Azurite")]
public sealed partial class DefinitionDrivenHostTests(AzuriteFixture azurite)
{
    private static readonly ConnectorDefinitionFolder Definition = ConnectorDefinitionFolder.Load();

    public static TheoryData<string> Operations => [.. Definition.Operations.Select(o => o.OperationId!)];

    /// <summary>What a flow author would do with each operation, in the order a flow would do it.</summary>
    private static readonly Dictionary<string, Func<DefinitionClient, ConnectorHostHarness, Task>> Scenarios = new(StringComparer.Ordinal)
    {
        ["ListAgents"] = async (client, _) =>
        {
            var agents = await client.OkAsync("ListAgents", new() { ["type"] = Enum("ListAgents", "type")[0] });
            Assert.NotEmpty(agents.GetProperty("agents").EnumerateArray());
        },
        ["ListAgentPhoneNumbers"] = async (client, _) =>
        {
            var agent = await SalesEastAsync(client, "ListAgentPhoneNumbers");
            var numbers = await client.OkAsync("ListAgentPhoneNumbers", new() { ["modelId"] = agent });
            Assert.Contains(numbers.GetProperty("phoneNumbers").EnumerateArray(), n => n.GetProperty("number").GetString() == SandboxSeed.NewYork1);
        },
        ["AttachPhoneNumbers"] = async (client, _) =>
        {
            var agent = await SalesEastAsync(client, "AttachPhoneNumbers");
            await client.OkAsync("AttachPhoneNumbers", new() { ["modelId"] = agent, ["phoneNumbers"] = new[] { SandboxSeed.LosAngeles1 } });
            var after = await client.OkAsync("AttachPhoneNumbers", new() { ["modelId"] = agent, ["phoneNumberSlugs"] = new[] { SandboxSeed.Chicago2[1..] } });
            var attached = after.GetProperty("phoneNumbers").EnumerateArray().Select(n => n.GetProperty("number").GetString()).ToList();
            Assert.Contains(SandboxSeed.LosAngeles1, attached);
            Assert.Contains(SandboxSeed.Chicago2, attached);
        },
        ["DetachPhoneNumber"] = async (client, _) =>
        {
            var agent = await SalesEastAsync(client, "DetachPhoneNumber");
            var (slug, number) = (await client.OptionsAsync("DetachPhoneNumber", "slug", new Dictionary<string, object?> { ["modelId"] = agent }))[0];
            var detached = await client.OkAsync("DetachPhoneNumber", new() { ["modelId"] = agent, ["slug"] = slug });
            Assert.True(detached.GetProperty("wasAttached").GetBoolean());
            Assert.DoesNotContain(detached.GetProperty("phoneNumbers").EnumerateArray(), n => n.GetProperty("number").GetString() == number);
        },
        ["ListPhoneNumbers"] = async (client, _) =>
        {
            var numbers = await client.OkAsync("ListPhoneNumbers");
            Assert.Contains(numbers.GetProperty("phoneNumbers").EnumerateArray(), n => n.GetProperty("number").GetString() == SandboxSeed.Berlin1);
        },
        ["MakeCall"] = async (client, host) =>
        {
            var agent = await SalesEastAsync(client, "MakeCall");
            var from = (await client.OptionsAsync("MakeCall", "fromPhoneNumber", new Dictionary<string, object?> { ["modelId"] = agent }))[0].Value;
            var explicitCall = new Dictionary<string, object?>
            {
                ["modelId"] = agent,
                ["phone"] = "+12125550199",
                ["name"] = "Ada Lovelace",
                ["fromPhoneNumber"] = from,
                ["customVariables"] = new Dictionary<string, string> { ["order"] = "A-17" },
                ["leadEmail"] = "ada@example.com",
                ["leadTimezone"] = "America/New_York",
                ["prompt"] = "You are calling about order A-17.",
                ["greeting"] = "Hello Ada, this is about your order.",
                ["Idempotency-Key"] = "run-08584-item-1",
                ["webhookUrl"] = ForwardWebhook,
            };
            var placed = await client.OkAsync("MakeCall", explicitCall);
            Assert.Equal("explicit", placed.GetProperty("callerIdStrategy").GetString());
            Assert.Equal(from, placed.GetProperty("fromPhoneNumber").GetString());

            // No receiver address in this live Host (no Connector__PublicBaseUrl): Synthflow is given the flow's own URL.
            var placedCall = Assert.Single(host.Sandbox.Calls, c => c.CallId == placed.GetProperty("callId").GetString());
            Assert.Equal(ForwardWebhook, placedCall.ExternalWebhookUrl);

            var replay = await client.OkAsync("MakeCall", explicitCall);
            Assert.True(replay.GetProperty("idempotentReplay").GetBoolean());
            Assert.Equal(placed.GetProperty("callId").GetString(), replay.GetProperty("callId").GetString());

            foreach (var strategy in Enum("MakeCall", "callerIdStrategy"))
            {
                var chosen = await client.OkAsync("MakeCall", new() { ["modelId"] = agent, ["phone"] = "+16465550199", ["name"] = "Grace Hopper", ["callerIdStrategy"] = strategy, ["Idempotency-Key"] = "run-08584-" + strategy });
                Assert.Equal(strategy, chosen.GetProperty("callerIdStrategy").GetString());
            }
        },
        ["GetCall"] = async (client, _) =>
        {
            var agent = await SalesEastAsync(client, "MakeCall");
            var placed = await client.OkAsync("MakeCall", new() { ["modelId"] = agent, ["phone"] = "+12125550199", ["name"] = "Ada Lovelace" });
            var call = await client.OkAsync("GetCall", new() { ["callId"] = placed.GetProperty("callId").GetString() });
            Assert.Equal("+12125550199", call.GetProperty("toPhoneNumber").GetString());
        },
        ["ListPools"] = async (client, _) =>
        {
            var agent = await SetPoolAsync(client);
            var pools = await client.OkAsync("ListPools");
            Assert.Contains(pools.GetProperty("pools").EnumerateArray(), p => p.GetProperty("modelId").GetString() == agent);
        },
        ["GetPool"] = async (client, _) =>
        {
            var agent = await SetPoolAsync(client);
            var pool = await client.OkAsync("GetPool", new() { ["modelId"] = agent });
            Assert.Equal([SandboxSeed.NewYork1, SandboxSeed.NewYork2], pool.GetProperty("phoneNumbers").EnumerateArray().Select(n => n.GetString()));
        },
        ["SetPool"] = async (client, _) =>
        {
            var agent = await SalesEastAsync(client, "SetPool");
            var created = await client.OkAsync("SetPool", new()
            {
                ["modelId"] = agent,
                ["If-None-Match"] = Enum("SetPool", "If-None-Match")[0],
                ["phoneNumbers"] = new[] { SandboxSeed.NewYork1 },
                ["mode"] = Enum("SetPool", "mode")[1],
                ["paused"] = false,
            });
            var replaced = await client.OkAsync("SetPool", new()
            {
                ["modelId"] = agent,
                ["If-Match"] = created.GetProperty("etag").GetString(),
                ["phoneNumbers"] = new[] { SandboxSeed.NewYork1, SandboxSeed.NewYork2 },
                ["mode"] = Enum("SetPool", "mode")[0],
                ["paused"] = true,
            });
            Assert.NotEqual(created.GetProperty("etag").GetString(), replaced.GetProperty("etag").GetString());
            Assert.True(replaced.GetProperty("paused").GetBoolean());
        },
        ["DeletePool"] = async (client, _) =>
        {
            var agent = await SetPoolAsync(client);
            var etag = (await client.OkAsync("GetPool", new() { ["modelId"] = agent })).GetProperty("etag").GetString();
            var deleted = await client.OkAsync("DeletePool", new() { ["modelId"] = agent, ["If-Match"] = etag });
            Assert.True(deleted.GetProperty("wasManaged").GetBoolean());
        },
        ["PlanPool"] = async (client, _) =>
        {
            var agent = await SetPoolAsync(client);
            var plan = await client.OkAsync("PlanPool", new() { ["modelId"] = agent, ["force"] = true });
            Assert.Equal([SandboxSeed.NewYork3], plan.GetProperty("detach").EnumerateArray().Select(n => n.GetString()));
        },
        ["ReconcilePool"] = async (client, _) =>
        {
            var agent = await SetPoolAsync(client);
            var result = await client.OkAsync("ReconcilePool", new() { ["modelId"] = agent, ["force"] = true });
            Assert.Equal("applied", result.GetProperty("outcome").GetString());
            var pool = await client.OkAsync("GetPool", new() { ["modelId"] = agent });
            Assert.Equal("applied", pool.GetProperty("status").GetProperty("outcome").GetString());
        },
        ["WhenCallEnds"] = async (client, _) =>
        {
            var agent = await SalesEastAsync(client, "WhenCallEnds");
            var subscription = await SubscribeAsync(client, new() { ["modelId"] = agent, ["statuses"] = ItemEnum("WhenCallEnds", "statuses").Take(2).ToArray() });
            Assert.Equal(agent, subscription.GetProperty("modelId").GetString());
            Assert.Equal(["completed", "no-answer"], subscription.GetProperty("statuses").EnumerateArray().Select(s => s.GetString()));
        },
        ["ListCallEndedSubscriptions"] = async (client, _) =>
        {
            var id = (await SubscribeAsync(client)).GetProperty("subscriptionId").GetString();
            var listed = await client.OkAsync("ListCallEndedSubscriptions");
            var mine = Assert.Single(listed.GetProperty("subscriptions").EnumerateArray(), s => s.GetProperty("subscriptionId").GetString() == id);
            Assert.DoesNotContain("sig=", mine.GetProperty("callbackUrl").GetString(), StringComparison.Ordinal);
        },
        ["DeleteCallEndedSubscription"] = async (client, _) =>
        {
            var id = (await SubscribeAsync(client)).GetProperty("subscriptionId").GetString();
            Assert.True((await client.OkAsync("DeleteCallEndedSubscription", new() { ["subscriptionId"] = id })).GetProperty("deleted").GetBoolean());

            // The platform retries deletes: an unknown id is 200 too.
            Assert.False((await client.OkAsync("DeleteCallEndedSubscription", new() { ["subscriptionId"] = id })).GetProperty("deleted").GetBoolean());
        },
        ["ListCallEndedFailures"] = async (client, host) =>
        {
            // A delivery the flow refused (what CallbackDelivery records on a 400), as an operator then finds it.
            var failureId = Guid.NewGuid().ToString("N");
            var failedAt = DateTimeOffset.UtcNow;
            await host.Services.GetRequiredService<IDeliveryFailureStore>().AddAsync(
                new DeliveryFailure
                {
                    Id = failureId,
                    Delivery = new DeliveryMessage { CallId = "call-" + failureId, Status = "completed", SubscriptionId = "sub-" + failureId, Attempt = 1, FirstQueuedAt = failedAt.AddSeconds(-1) },
                    TargetHost = "prod-12.westeurope.logic.azure.com",
                    LastStatusCode = 400,
                    Reason = "The callback answered 400.",
                    FailedAt = failedAt,
                },
                CancellationToken.None);

            var failures = await client.OkAsync("ListCallEndedFailures");
            var failure = Assert.Single(failures.GetProperty("failures").EnumerateArray(), f => f.GetProperty("failureId").GetString() == failureId);
            Assert.Equal(400, failure.GetProperty("lastStatusCode").GetInt32());
            Assert.Equal("prod-12.westeurope.logic.azure.com", failure.GetProperty("targetHost").GetString());
        },
    };

    /// <summary>A make-a-call webhook URL; the sandbox's webhooks are dropped in these tests, so nothing is posted to it.</summary>
    private const string ForwardWebhook = "https://flows.example.com/calls/ended";

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Each_operation_built_from_the_definition_answers_what_the_definition_declares(string operationId)
    {
        Assert.True(Scenarios.TryGetValue(operationId, out var scenario) || CampaignScenarios.TryGetValue(operationId, out scenario), $"{operationId} has no end-to-end scenario: add one to {nameof(Scenarios)}.");
        await using var host = await ConnectorHostHarness.StartAsync(azurite);
        var client = Connect(host, ConnectorHostHarness.FunctionKey);

        // Calls placed with a webhook URL of the test's must not post anywhere when they end.
        host.Sandbox.Webhooks.DropAll = true;
        await scenario!(client, host);

        var calls = client.Calls.Where(c => c.OperationId == operationId).ToList();
        Assert.NotEmpty(calls);
        var used = calls.SelectMany(c => c.Inputs).ToHashSet(StringComparer.Ordinal);
        var declared = CertificationRules.Inputs(Definition, Definition.Operation(operationId))
            .Where(i => ConnectorDefinitionFolder.Text(i.Schema, "x-ms-visibility") != "internal")
            .Select(i => i.Name);
        Assert.Empty(declared.Except(used));
        Assert.All(client.Calls, c => Assert.True(c.Status == client.SuccessStatus(c.OperationId) && c.SchemaErrors.Count == 0, $"{c.OperationId}: {(int)c.Status} {string.Join("; ", c.SchemaErrors)}"));
    }

    [Fact]
    public async Task Every_operation_refuses_a_connection_without_the_function_key()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite);
        var client = Connect(host, ConnectorHostHarness.FunctionKey);

        foreach (var operation in Definition.Operations)
        {
            var call = await client.CallAsync(operation.OperationId!, client.PlaceholderInputs(operation.OperationId!), withKey: false);

            Assert.True(call.Status == HttpStatusCode.Unauthorized, $"{operation.OperationId}: expected 401 without the key, got {(int)call.Status}");
            Assert.Equal("urn:synthflow-connector:problem:unauthorized", call.Body.GetProperty("type").GetString());
        }

        Assert.Empty(host.Sandbox.Requests);
    }

    [Fact]
    public async Task A_connection_with_a_wrong_key_is_refused_and_a_right_one_accepted()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite);

        var wrong = await Connect(host, "not-the-function-key-000").CallAsync("ListPhoneNumbers");
        var right = await Connect(host, ConnectorHostHarness.FunctionKey).CallAsync("ListPhoneNumbers");

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Equal(HttpStatusCode.OK, right.Status);
    }

    /// <summary>A connection as a user creates it: the Host's host name (and port) and its function key.</summary>
    private static DefinitionClient Connect(ConnectorHostHarness host, string key) =>
        new(Definition, host.Anonymous, new Dictionary<string, string>
        {
            ["hostName"] = host.Anonymous.BaseAddress!.Authority,
            ["api_key"] = key,
        });

    /// <summary>
    /// Saves a flow with the trigger, as Power Platform does: the callback is the flow's notification URL (https, public
    /// host: this Host is in live mode), with its signature in the query.
    /// </summary>
    private static Task<JsonElement> SubscribeAsync(DefinitionClient client, Dictionary<string, object?>? inputs = null)
    {
        var all = new Dictionary<string, object?>(inputs ?? [], StringComparer.Ordinal)
        {
            ["callbackUrl"] = $"https://prod-12.westeurope.logic.azure.com/workflows/{Guid.NewGuid():N}/triggers/manual/paths/invoke?api-version=2016-06-01&sig=flow-signature",
        };
        return client.OkAsync("WhenCallEnds", all);
    }

    /// <summary>Picks "Sales East" from the operation's agent dropdown, as a user would.</summary>
    private static async Task<string> SalesEastAsync(DefinitionClient client, string operationId)
    {
        var options = await client.OptionsAsync(operationId, "modelId");
        Assert.DoesNotContain(options, o => o.Title == SandboxSeed.FrontDeskName); // inbound: not offered
        return options.Single(o => o.Title == SandboxSeed.SalesEastName).Value;
    }

    /// <summary>Sales East's pool: New York 1 and 2, exact (it has New York 3 attached too, so a reconcile detaches it).</summary>
    private static async Task<string> SetPoolAsync(DefinitionClient client)
    {
        var agent = await SalesEastAsync(client, "SetPool");
        await client.OkAsync("SetPool", new() { ["modelId"] = agent, ["phoneNumbers"] = new[] { SandboxSeed.NewYork1, SandboxSeed.NewYork2 }, ["mode"] = "exact" });
        return agent;
    }

    /// <summary>The enum of an array input's items (the trigger's final statuses).</summary>
    private static string[] ItemEnum(string operationId, string input) =>
        [.. CertificationRules.Inputs(Definition, Definition.Operation(operationId)).Single(i => i.Name == input).Schema.GetProperty("items").GetProperty("enum").EnumerateArray().Select(v => v.GetString()!)];

    private static string[] Enum(string operationId, string input) =>
        [.. CertificationRules.Inputs(Definition, Definition.Operation(operationId)).Single(i => i.Name == input).Schema.GetProperty("enum").EnumerateArray().Select(v => v.GetString()!)];
}
