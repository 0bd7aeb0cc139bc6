using System.Net;
using SynthflowConnector.Http;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Tests.Pools.PoolTestSupport;

namespace SynthflowConnector.Tests.Http;

/// <summary>
/// Route values, query values and headers that every action reads, at their worst (control characters, excessive
/// length, malformed): each is a 400 problem naming the field, and nothing reaches Synthflow or table storage.
/// </summary>
[Collection("Azurite")]
public sealed class UnsafeInputTests(AzuriteFixture azurite)
{
    private static readonly string TooLong = new('a', 65);

    public static TheoryData<string, string, string> BadRouteAndQueryValues => new()
    {
        // method, path and query, field
        { "GET", "/api/agents?type=outbound%01", "type" },
        { "GET", "/api/agents?type=" + new string('x', 5000), "type" },
        { "GET", "/api/agents/a%01b/phone-numbers", "modelId" },
        { "GET", $"/api/agents/{TooLong}/phone-numbers", "modelId" },
        { "PUT", "/api/agents/a%0Ab/phone-numbers", "modelId" },
        { "DELETE", "/api/agents/agent-sales/phone-numbers/1415555%010", "slug" },
        { "DELETE", "/api/agents/agent-sales/phone-numbers/" + new string('1', 16), "slug" },
        { "DELETE", "/api/agents/a%7Fb/phone-numbers/14155550000", "modelId" },
        { "GET", "/api/calls/a%0Db", "callId" },
        { "GET", $"/api/calls/{TooLong}", "callId" },
        { "GET", "/api/calls/a..b", "callId" },
        { "GET", "/api/pools/a%01b", "modelId" },
        { "PUT", $"/api/pools/{TooLong}", "modelId" },
        { "DELETE", "/api/pools/a%09b", "modelId" },
        { "GET", "/api/pools/agent-sales/plan?force=true%00", "force" },
        { "GET", "/api/pools/agent-sales/plan?force=%20true", "force" },
        { "GET", $"/api/pools/{TooLong}/plan", "modelId" },
        { "POST", "/api/pools/agent-sales/reconcile?force=" + new string('t', 3000), "force" },
    };

    [Theory]
    [MemberData(nameof(BadRouteAndQueryValues))]
    public async Task A_bad_route_or_query_value_is_400_naming_it_and_reaches_nothing(string method, string pathAndQuery, string field)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(pathAndQuery, UriKind.Relative))
        {
            Content = method is "PUT" or "POST" ? HttpAssert.Raw("""{"phoneNumbers":["+14155550002"]}""") : null,
        };

        await HttpAssert.ProblemAsync(await host.Client.SendAsync(request), HttpStatusCode.BadRequest, field);

        Assert.Empty(host.Sandbox.Requests);
        Assert.Empty((await ListPoolsAsync(host.Client)).Pools);
    }

    public static TheoryData<string> MalformedETags => new()
    {
        "abc",                          // unquoted
        "\"x\"",                        // strong: a pool's etag is always weak
        "W/abc",
        "W/\"a\", W/\"b\"",             // a list
        "W/\"a\"b\"",
        "W/\"a b\"",
        "*, W/\"a\"",
        "W/\"" + new string('a', 300) + "\"",
    };

    [Theory]
    [MemberData(nameof(MalformedETags))]
    public async Task A_malformed_If_Match_is_400_and_the_pool_is_neither_replaced_nor_deleted(string etag)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        var pool = await SetPoolAsync(host.Client, Sales, [N[0]]);
        host.Sandbox.ClearRequests();

        await HttpAssert.ProblemAsync(await PutPoolAsync(host.Client, Sales, new { phoneNumbers = new[] { N[1] } }, ifMatch: etag), HttpStatusCode.BadRequest, "If-Match");
        using (var delete = new HttpRequestMessage(HttpMethod.Delete, PoolUri(Sales)))
        {
            delete.Headers.TryAddWithoutValidation("If-Match", etag);
            await HttpAssert.ProblemAsync(await host.Client.SendAsync(delete), HttpStatusCode.BadRequest, "If-Match");
        }

        Assert.Empty(host.Sandbox.Requests);
        var after = await GetPoolAsync(host.Client, Sales);
        Assert.Equal(pool.ETag, after.ETag);
        Assert.Equal([N[0]], after.PhoneNumbers);
    }

    [Theory]
    [InlineData("W/\"datetime'2020-01-01T00%3A00%3A00.0000000Z'\"")]
    [InlineData("W/\"\"")]
    public async Task A_well_formed_If_Match_that_is_not_the_pools_is_412(string etag)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        await SetPoolAsync(host.Client, Sales, [N[0]]);

        await HttpAssert.ProblemAsync(await PutPoolAsync(host.Client, Sales, new { phoneNumbers = new[] { N[1] } }, ifMatch: etag), HttpStatusCode.PreconditionFailed, "If-Match");

        Assert.Equal([N[0]], (await GetPoolAsync(host.Client, Sales)).PhoneNumbers);
    }

    public static TheoryData<string?, string?, string> BadIdempotencyKeys => new()
    {
        // header, body's idempotencyKey, field
        { new string('k', 256), null, ConnectorEndpoints.IdempotencyKeyHeader },
        { "run\u007f", null, ConnectorEndpoints.IdempotencyKeyHeader },
        { null, "run\u0001", "idempotencyKey" },
        { null, "", "idempotencyKey" },
        { null, new string('k', 256), "idempotencyKey" },
        { "run-1", "run-2", "idempotencyKey" },
    };

    [Theory]
    [MemberData(nameof(BadIdempotencyKeys))]
    public async Task A_bad_idempotency_key_is_400_naming_where_it_came_from_and_places_nothing(string? header, string? body, string field)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/calls", UriKind.Relative))
        {
            Content = HttpAssert.Json(new { modelId = Sales, phone = "+16175550199", name = "Ada", idempotencyKey = body }),
        };
        if (header is not null)
        {
            request.Headers.TryAddWithoutValidation(ConnectorEndpoints.IdempotencyKeyHeader, header);
        }

        await HttpAssert.ProblemAsync(await host.Client.SendAsync(request), HttpStatusCode.BadRequest, field);

        Assert.Empty(host.Sandbox.Requests);
    }
}
