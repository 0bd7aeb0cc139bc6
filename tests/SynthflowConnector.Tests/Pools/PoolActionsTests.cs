using System.Net;
using SynthflowConnector.Http;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Tests.Pools.PoolTestSupport;

namespace SynthflowConnector.Tests.Pools;

/// <summary>Pool CRUD with ETags, validation and the dry-run plan, through the real Host over HTTP (Azurite + sandbox).</summary>
[Collection("Azurite")]
public sealed class PoolActionsTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task A_pool_is_created_read_and_replaced_with_etags_and_a_stale_etag_is_412()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        await HttpAssert.ProblemAsync(await host.Client.GetAsync(PoolUri(Support)), HttpStatusCode.NotFound, "modelId");

        using var created = await PutPoolAsync(host.Client, Support, new { phoneNumbers = new[] { N[3], N[2], N[3] } });
        var first = await HttpAssert.OkAsync<PoolResponse>(created);
        Assert.Equal([N[3], N[2]], first.PhoneNumbers); // as given, duplicates dropped
        Assert.Equal("exact", first.Mode);
        Assert.False(first.Paused);
        Assert.Null(first.Status);
        Assert.StartsWith("W/\"", first.ETag, StringComparison.Ordinal);
        Assert.Equal(first.ETag, ETagHeader(created));

        using var read = await host.Client.GetAsync(PoolUri(Support));
        var got = await HttpAssert.OkAsync<PoolResponse>(read);
        Assert.Equal(first.ETag, got.ETag);
        Assert.Equal(first.ETag, ETagHeader(read));

        var second = await HttpAssert.OkAsync<PoolResponse>(await PutPoolAsync(host.Client, Support, new { phoneNumbers = new[] { N[4] }, mode = "additive", paused = true }, ifMatch: got.ETag));
        Assert.NotEqual(first.ETag, second.ETag);
        Assert.Equal("additive", second.Mode);
        Assert.True(second.Paused);

        var stale = await HttpAssert.ProblemAsync(await PutPoolAsync(host.Client, Support, new { phoneNumbers = new[] { N[5] } }, ifMatch: first.ETag), HttpStatusCode.PreconditionFailed, "If-Match");
        Assert.EndsWith(":precondition-failed", stale.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.False(stale.GetProperty("errors").TryGetProperty("If-None-Match", out _));
        Assert.Equal([N[4]], (await GetPoolAsync(host.Client, Support)).PhoneNumbers);

        // Declaring a pool changes nothing upstream: only a reconcile does.
        Assert.Equal(0, PoolChanges(host.Sandbox));
    }

    [Fact]
    public async Task If_None_Match_star_only_creates_and_If_Match_star_only_replaces()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        var body = new { phoneNumbers = new[] { N[2] } };

        await HttpAssert.ProblemAsync(await PutPoolAsync(host.Client, Support, body, ifMatch: "*"), HttpStatusCode.PreconditionFailed, "If-Match");
        await HttpAssert.ProblemAsync(await host.Client.GetAsync(PoolUri(Support)), HttpStatusCode.NotFound);

        await HttpAssert.OkAsync<PoolResponse>(await PutPoolAsync(host.Client, Support, body, ifNoneMatch: "*"));
        var exists = await HttpAssert.ProblemAsync(await PutPoolAsync(host.Client, Support, body, ifNoneMatch: "*"), HttpStatusCode.PreconditionFailed, "If-None-Match");
        Assert.False(exists.GetProperty("errors").TryGetProperty("If-Match", out _), "the create-only 412 names the header that failed: If-None-Match");
        await HttpAssert.OkAsync<PoolResponse>(await PutPoolAsync(host.Client, Support, new { phoneNumbers = new[] { N[3] } }, ifMatch: "*"));
        await HttpAssert.ProblemAsync(await PutPoolAsync(host.Client, Support, body, ifNoneMatch: "\"x\""), HttpStatusCode.BadRequest, "If-None-Match");

        Assert.Equal([N[3]], (await GetPoolAsync(host.Client, Support)).PhoneNumbers);
    }

    [Fact]
    public async Task Fifty_concurrent_writers_lose_no_update()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        var initial = await SetPoolAsync(host.Client, Support, []);
        var writers = Enumerable.Range(0, 50).Select(i => $"+1646555{i:D4}").ToArray();
        var preconditionFailures = 0;

        // Every writer reads the same version first, then all write at once: without ETags 49 updates would be lost.
        await Task.WhenAll(writers.Select(async number =>
        {
            var etag = initial.ETag;
            var numbers = initial.PhoneNumbers;
            for (var attempt = 0; attempt < 200; attempt++)
            {
                using var response = await PutPoolAsync(host.Client, Support, new { phoneNumbers = numbers.Append(number).ToArray() }, ifMatch: etag);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }

                await HttpAssert.ProblemAsync(response, HttpStatusCode.PreconditionFailed);
                Interlocked.Increment(ref preconditionFailures);
                var fresh = await GetPoolAsync(host.Client, Support);
                (etag, numbers) = (fresh.ETag, fresh.PhoneNumbers);
            }

            Assert.Fail($"{number}: no write succeeded in 200 attempts");
        }));

        var pool = await GetPoolAsync(host.Client, Support);
        Assert.Equal(Sorted(writers), Sorted([.. pool.PhoneNumbers]));
        Assert.True(preconditionFailures >= 49, $"only {preconditionFailures} stale writes were refused");
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { """{}""", "phoneNumbers" },
        { """{"phoneNumbers":null}""", "phoneNumbers" },
        { """{"phoneNumbers":["+14155550000","14155550001"]}""", "phoneNumbers[1]" },
        { """{"phoneNumbers":["+1 415 555"]}""", "phoneNumbers[0]" },
        { """{"phoneNumbers":[""" + string.Join(",", Enumerable.Range(0, 101).Select(i => $"\"+1312555{i:D4}\"")) + "]}", "phoneNumbers" },
        { """{"phoneNumbers":[],"mode":"replace"}""", "mode" },
        { """{"phoneNumbers":[],"paused":"yes"}""", "paused" },
        { """{"phoneNumbers":"+14155550000"}""", "phoneNumbers" },
        { """{"phoneNumbers":[]""", "body" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_body_is_400_naming_the_field_and_nothing_is_read_or_written(string body, string field)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        await HttpAssert.ProblemAsync(await host.Client.PutAsync(PoolUri(Support), HttpAssert.Raw(body)), HttpStatusCode.BadRequest, field);

        Assert.Empty(host.Sandbox.Requests);
        await HttpAssert.ProblemAsync(await host.Client.GetAsync(PoolUri(Support)), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_agent_must_exist_and_be_outbound()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        var body = new { phoneNumbers = new[] { N[2] } };

        var missing = await HttpAssert.ProblemAsync(await PutPoolAsync(host.Client, "agent-nobody", body), HttpStatusCode.NotFound, "modelId");
        Assert.Contains("agent-nobody", missing.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await HttpAssert.ProblemAsync(await PutPoolAsync(host.Client, FrontDesk, body), (HttpStatusCode)422, "modelId");
        await HttpAssert.ProblemAsync(await PutPoolAsync(host.Client, "bad%20id", body), HttpStatusCode.BadRequest, "modelId");

        Assert.Empty((await ListPoolsAsync(host.Client)).Pools);
    }

    [Fact]
    public async Task Pool_actions_need_the_function_key()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());

        await HttpAssert.ProblemAsync(await host.Anonymous.GetAsync(new Uri("/api/pools", UriKind.Relative)), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await host.Anonymous.PostAsync(PoolUri(Sales, "/reconcile"), null), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Delete_stops_managing_the_agent_and_leaves_its_numbers_as_they_are()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        var stalePool = await SetPoolAsync(host.Client, Sales, [N[0], N[5]]);
        await SetPoolAsync(host.Client, Sales, [N[0], N[5]]);
        await ReconcileNowAsync(host.Client, Sales);
        var attached = AttachedOf(host.Sandbox, Sales);
        var changes = PoolChanges(host.Sandbox);

        using (var stale = new HttpRequestMessage(HttpMethod.Delete, PoolUri(Sales)))
        {
            stale.Headers.TryAddWithoutValidation("If-Match", stalePool.ETag);
            await HttpAssert.ProblemAsync(await host.Client.SendAsync(stale), HttpStatusCode.PreconditionFailed, "If-Match");
        }

        var deleted = await HttpAssert.OkAsync<DeletePoolResult>(await host.Client.DeleteAsync(PoolUri(Sales)));
        var again = await HttpAssert.OkAsync<DeletePoolResult>(await host.Client.DeleteAsync(PoolUri(Sales)));

        Assert.True(deleted.WasManaged);
        Assert.False(again.WasManaged);
        await HttpAssert.ProblemAsync(await host.Client.GetAsync(PoolUri(Sales)), HttpStatusCode.NotFound);
        Assert.Equal(attached, AttachedOf(host.Sandbox, Sales));
        Assert.Equal(changes, PoolChanges(host.Sandbox));

        // A pool created again starts without the old one's status.
        Assert.Null((await SetPoolAsync(host.Client, Sales, [N[0]])).Status);
    }

    [Fact]
    public async Task List_returns_every_pool_with_its_status()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        await SetPoolAsync(host.Client, Sales, [N[0], N[1], N[2]]);
        await SetPoolAsync(host.Client, Support, [N[3]], mode: "additive", paused: true);
        await ReconcileNowAsync(host.Client, Sales);

        var pools = (await ListPoolsAsync(host.Client)).Pools.ToDictionary(p => p.ModelId);

        Assert.Equal([Sales, Support], pools.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("applied", pools[Sales].Status!.Outcome);
        Assert.Equal([N[2]], pools[Sales].Status!.Attached);
        Assert.Equal(0, pools[Sales].Status!.ConsecutiveFailures);
        Assert.Null(pools[Support].Status);
        Assert.True(pools[Support].Paused);
        Assert.Equal("additive", pools[Support].Mode);
        Assert.Equal((await GetPoolAsync(host.Client, Support)).ETag, pools[Support].ETag);
    }

    public static TheoryData<string, string[], string, bool, string[], string[], bool, bool> PlanCases => new()
    {
        // name, desired, mode, paused, attach, detach, inSync, blocked   (Sales has N0, N1; the guard is 2)
        { "missing", [N[0], N[1], N[2]], "exact", false, [N[2]], [], false, false },
        { "extra", [N[0]], "exact", false, [], [N[1]], false, false },
        { "both", [N[0], N[3]], "exact", false, [N[3]], [N[1]], false, false },
        { "in-sync", [N[1], N[0]], "exact", false, [], [], true, false },
        { "additive keeps extras", [N[2]], "additive", false, [N[2]], [], false, false },
        { "empty desired, exact", [], "exact", false, [], [N[0], N[1]], false, false },
        { "paused", [N[2]], "exact", true, [N[2]], [N[0], N[1]], false, true },
    };

    [Theory]
    [MemberData(nameof(PlanCases))]
    public async Task Plan_shows_what_a_reconcile_would_do_and_changes_nothing(string name, string[] desired, string mode, bool paused, string[] attach, string[] detach, bool inSync, bool blocked)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace(), new Dictionary<string, string?> { ["Reconcile:MaxDetachPerRun"] = "2" });
        var pool = await SetPoolAsync(host.Client, Sales, desired, mode, paused);

        var plan = await PlanAsync(host.Client, Sales);

        Assert.True(Sorted(attach).SequenceEqual(plan.Attach), name);
        Assert.Equal(Sorted(detach), plan.Detach);
        Assert.Equal(inSync, plan.InSync);
        Assert.Equal(blocked, plan.Blocked);
        Assert.Equal(blocked, plan.BlockedReason is not null);
        Assert.Equal([N[0], N[1]], plan.Actual);
        Assert.Equal(desired, plan.Desired);
        Assert.Equal(pool.ETag, plan.ETag);
        Assert.Equal(0, PoolChanges(host.Sandbox));
        Assert.Null((await GetPoolAsync(host.Client, Sales)).Status);
    }

    [Fact]
    public async Task Plan_shows_the_guard_and_force_previews_lifting_it()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace(), new Dictionary<string, string?> { ["Reconcile:MaxDetachPerRun"] = "1" });
        await SetPoolAsync(host.Client, Sales, []);

        var guarded = await PlanAsync(host.Client, Sales);
        var forced = await HttpAssert.OkAsync<PoolPlanResponse>(await host.Client.GetAsync(PoolUri(Sales, "/plan?force=true")));

        Assert.True(guarded.Blocked);
        Assert.Contains("Reconcile__MaxDetachPerRun (1)", guarded.BlockedReason, StringComparison.Ordinal);
        Assert.Equal([N[0], N[1]], guarded.Detach);
        Assert.False(forced.Blocked);
        await HttpAssert.ProblemAsync(await host.Client.GetAsync(PoolUri(Sales, "/plan?force=maybe")), HttpStatusCode.BadRequest, "force");
        await HttpAssert.ProblemAsync(await host.Client.PostAsync(PoolUri(Sales, "/reconcile?force=1"), null), HttpStatusCode.BadRequest, "force");
        await HttpAssert.ProblemAsync(await host.Client.GetAsync(PoolUri(Support, "/plan")), HttpStatusCode.NotFound, "modelId");
        await HttpAssert.ProblemAsync(await host.Client.PostAsync(PoolUri(Support, "/reconcile"), null), HttpStatusCode.NotFound, "modelId");
        Assert.Equal(0, PoolChanges(host.Sandbox));
    }

    [Fact]
    public async Task The_JSON_is_camelCase_with_numbers_as_typed()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        await SetPoolAsync(host.Client, Sales, [N[0], N[1], N[2]]);

        var pool = await (await host.Client.GetAsync(PoolUri(Sales))).Content.ReadAsStringAsync();
        var result = await (await host.Client.PostAsync(PoolUri(Sales, "/reconcile"), null)).Content.ReadAsStringAsync();

        Assert.Contains($"\"phoneNumbers\":[\"{N[0]}\",\"{N[1]}\",\"{N[2]}\"]", pool, StringComparison.Ordinal);
        Assert.Contains("\"etag\":\"W/\\\"datetime'", pool, StringComparison.Ordinal);
        Assert.Contains("\"status\":null", pool, StringComparison.Ordinal);
        Assert.Contains($"\"outcome\":\"applied\",\"attached\":[\"{N[2]}\"],\"detached\":[],\"remaining\":{{\"attach\":[],\"detach\":[]}}", result, StringComparison.Ordinal);
    }
}
