using Microsoft.Extensions.DependencyInjection;
using SynthflowConnector.Calls;
using SynthflowConnector.Agents;
using SynthflowConnector.Http;
using SynthflowConnector.Pools;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Tests.Pools.PoolTestSupport;

namespace SynthflowConnector.Tests.Pools;

/// <summary>Reconcile-now and single runs through the real Host, against the sandbox under both attach semantics.</summary>
[Collection("Azurite")]
public sealed class PoolReconcileTests(AzuriteFixture azurite)
{
    [Theory]
    [InlineData(AttachSemantics.Add)]
    [InlineData(AttachSemantics.Replace)]
    public async Task Reconcile_now_converges_whether_Synthflow_adds_or_replaces(AttachSemantics semantics)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace(semantics));
        await SetPoolAsync(host.Client, Sales, [N[0], N[2], N[3]]); // has N0, N1

        var result = await ReconcileNowAsync(host.Client, Sales);

        Assert.Equal("applied", result.Outcome);
        Assert.Equal([N[2], N[3]], result.Attached);
        Assert.Equal([N[1]], result.Detached);
        Assert.True(result.Remaining.IsEmpty);
        Assert.Null(result.Error);
        Assert.Equal(Sorted(N[0], N[2], N[3]), AttachedOf(host.Sandbox, Sales));

        // The PUT carried the full desired set, so it is right under either semantics.
        var put = Assert.Single(host.Sandbox.Requests, r => r.Method == "PUT");
        Assert.Equal($"{{\"phone_numbers\":[\"{N[0]}\",\"{N[2]}\",\"{N[3]}\"]}}", put.Body);

        // Replace: the PUT already dropped the extra, the re-read showed it, so no DELETE was needed.
        var deletes = host.Sandbox.Requests.Where(r => r.Method == "DELETE").ToList();
        if (semantics == AttachSemantics.Replace)
        {
            Assert.Empty(deletes);
        }
        else
        {
            Assert.Equal($"/v2/assistants/{Sales}/phone_numbers/{N[1][1..]}", Assert.Single(deletes).Path);
        }

        var status = (await GetPoolAsync(host.Client, Sales)).Status!;
        Assert.Equal("applied", status.Outcome);
        Assert.Equal(result.At, status.At);
        Assert.Equal([N[1]], status.Detached);

        // Idempotent: the next reconcile finds nothing to do and changes nothing.
        var changes = PoolChanges(host.Sandbox);
        var again = await ReconcileNowAsync(host.Client, Sales);
        Assert.Equal("in-sync", again.Outcome);
        Assert.Empty(again.Attached);
        Assert.Empty(again.Detached);
        Assert.Equal(1, again.UpstreamCalls);
        Assert.Equal(changes, PoolChanges(host.Sandbox));
    }

    [Theory]
    [InlineData(AttachSemantics.Add)]
    [InlineData(AttachSemantics.Replace)]
    public async Task Additive_mode_attaches_and_never_drops_an_extra_even_when_PUT_replaces(AttachSemantics semantics)
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace(semantics));
        await SetPoolAsync(host.Client, Sales, [N[2]], mode: "additive");

        var result = await ReconcileNowAsync(host.Client, Sales);

        Assert.Equal("applied", result.Outcome);
        Assert.Equal([N[2]], result.Attached);
        Assert.Empty(result.Detached);
        Assert.Equal(Sorted(N[0], N[1], N[2]), AttachedOf(host.Sandbox, Sales));
        Assert.DoesNotContain(host.Sandbox.Requests, r => r.Method == "DELETE");
    }

    [Fact]
    public async Task The_guard_blocks_a_mass_detach_and_force_lifts_it_once()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace(), new Dictionary<string, string?> { ["Reconcile:MaxDetachPerRun"] = "1" });
        await SetPoolAsync(host.Client, Sales, []); // exact and empty: detach everything

        var blocked = await ReconcileNowAsync(host.Client, Sales);

        Assert.Equal("blocked", blocked.Outcome);
        Assert.Contains("Reconcile__MaxDetachPerRun (1)", blocked.Error, StringComparison.Ordinal);
        Assert.Equal([N[0], N[1]], blocked.Remaining.Detach);
        Assert.Equal(0, PoolChanges(host.Sandbox));
        Assert.Equal("blocked", (await GetPoolAsync(host.Client, Sales)).Status!.Outcome);

        var forced = await ReconcileNowAsync(host.Client, Sales, force: true);

        Assert.Equal("applied", forced.Outcome);
        Assert.Equal([N[0], N[1]], forced.Detached);
        Assert.Empty(AttachedOf(host.Sandbox, Sales));

        // Only once: new extras are guarded again on the next reconcile.
        await HttpAssert.OkAsync<AgentPhoneNumbers>(await host.Client.PutAsync(new Uri($"/api/agents/{Sales}/phone-numbers", UriKind.Relative), HttpAssert.Json(new { phoneNumbers = new[] { N[4], N[5] } })));
        Assert.Equal("blocked", (await ReconcileNowAsync(host.Client, Sales)).Outcome);
        Assert.Equal(Sorted(N[4], N[5]), AttachedOf(host.Sandbox, Sales));
    }

    [Fact]
    public async Task Paused_pools_are_left_alone_by_runs_and_by_reconcile_now()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        await SetPoolAsync(host.Client, Support, [N[5]], paused: true);
        await SetPoolAsync(host.Client, Sales, [N[0], N[1], N[2]]);
        host.Sandbox.ClearRequests();

        var summary = await host.Services.GetRequiredService<IPoolReconciler>().RunAsync(CancellationToken.None);
        var now = await ReconcileNowAsync(host.Client, Support);

        Assert.Equal(1, summary.Skipped);
        Assert.Equal(1, summary.Applied);
        Assert.Equal("paused", now.Outcome);
        Assert.Equal(0, now.UpstreamCalls);
        Assert.Empty(AttachedOf(host.Sandbox, Support));
        Assert.DoesNotContain(host.Sandbox.Requests, r => r.Path.Contains(Support, StringComparison.Ordinal));
        Assert.Null((await GetPoolAsync(host.Client, Support)).Status);

        // Resumed, it is reconciled like any other.
        var pool = await GetPoolAsync(host.Client, Support);
        await HttpAssert.OkAsync<PoolResponse>(await PutPoolAsync(host.Client, Support, new { phoneNumbers = new[] { N[5] }, paused = false }, ifMatch: pool.ETag));
        Assert.Equal("applied", (await ReconcileNowAsync(host.Client, Support)).Outcome);
        Assert.Equal([N[5]], AttachedOf(host.Sandbox, Support));
    }

    [Fact]
    public async Task A_pool_whose_agent_is_gone_is_reported_not_deleted()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        var store = host.Services.GetRequiredService<IPoolStore>();
        await store.SetDesiredAsync(new DesiredPool { ModelId = "agent-gone", PhoneNumbers = [N[2]], UpdatedAt = DateTimeOffset.UtcNow }, PoolWriteCondition.None, CancellationToken.None);
        await SetPoolAsync(host.Client, Sales, [N[0], N[1]]);

        var summary = await host.Services.GetRequiredService<IPoolReconciler>().RunAsync(CancellationToken.None);
        var again = await ReconcileNowAsync(host.Client, "agent-gone");

        Assert.Equal(1, summary.AgentMissing);
        Assert.Equal(1, summary.InSync);
        var failure = Assert.Single(summary.Failures);
        Assert.Equal("agent-gone", failure.ModelId);
        Assert.Contains("DELETE /api/pools/agent-gone", failure.Error, StringComparison.Ordinal);
        Assert.Equal("agent-missing", again.Outcome);
        Assert.Equal(2, again.ConsecutiveFailures);
        var pool = await GetPoolAsync(host.Client, "agent-gone");
        Assert.Equal([N[2]], pool.PhoneNumbers);
        Assert.Equal("agent-missing", pool.Status!.Outcome);
    }

    [Fact]
    public async Task Failures_are_reported_with_the_remaining_diff_and_counted_until_a_success()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        const string NotOwned = "+19995550000";
        var pool = await SetPoolAsync(host.Client, Support, [N[2], NotOwned]);

        var first = await ReconcileNowAsync(host.Client, Support);
        var second = await ReconcileNowAsync(host.Client, Support);

        Assert.Equal("failed", first.Outcome);
        Assert.Contains("400", first.Error, StringComparison.Ordinal);
        Assert.Equal(Sorted(N[2], NotOwned), first.Remaining.Attach);
        Assert.Empty(first.Attached);
        Assert.Equal(1, first.ConsecutiveFailures);
        Assert.Equal(2, second.ConsecutiveFailures);
        Assert.Empty(AttachedOf(host.Sandbox, Support));
        Assert.DoesNotContain(host.Logs.Lines, line => line.Contains(NotOwned, StringComparison.Ordinal) || line.Contains(NotOwned[1..], StringComparison.Ordinal));

        pool = await GetPoolAsync(host.Client, Support);
        await HttpAssert.OkAsync<PoolResponse>(await PutPoolAsync(host.Client, Support, new { phoneNumbers = new[] { N[2] } }, ifMatch: pool.ETag));
        var fixedUp = await ReconcileNowAsync(host.Client, Support);

        Assert.Equal("applied", fixedUp.Outcome);
        Assert.Equal(0, fixedUp.ConsecutiveFailures);
        Assert.Equal(0, (await GetPoolAsync(host.Client, Support)).Status!.ConsecutiveFailures);
    }

    [Fact]
    public async Task Overlapping_reconciles_on_two_hosts_detach_each_number_once_and_agree_on_the_outcome()
    {
        var sandbox = new SynthflowSandbox(new SandboxOptions { Seed = false });
        foreach (var number in N)
        {
            sandbox.AddNumber(number);
        }

        sandbox.AddAgent(Sales, "Sales", AgentTypes.Outbound, N);
        await using var first = await ConnectorHostHarness.StartAsync(azurite, sandbox, new Dictionary<string, string?> { ["Reconcile:MaxDetachPerRun"] = "20" });
        await using var second = await ConnectorHostHarness.StartAsync(azurite, sandbox, new Dictionary<string, string?>
        {
            ["Reconcile:MaxDetachPerRun"] = "20",
            ["Pools:TableName"] = first.PoolsTable, // one storage account, two apps
        });
        await SetPoolAsync(first.Client, Sales, [N[0], N[1]]);
        sandbox.ClearRequests();

        var nows = new[] { first, second, first, second }.Select(host => ReconcileNowAsync(host.Client, Sales)).ToArray();
        var runs = new[] { first, second }.Select(host => host.Services.GetRequiredService<IPoolReconciler>().RunAsync(CancellationToken.None)).ToArray();
        var results = await Task.WhenAll(nows);
        var summaries = await Task.WhenAll(runs);

        Assert.Equal(Sorted(N[0], N[1]), AttachedOf(sandbox, Sales));
        Assert.All(results, now => Assert.Contains(now.Outcome, new[] { "applied", "in-sync" }));
        Assert.All(summaries, run => Assert.Equal(0, run.Failed));

        // Each extra was removed by exactly one accepted DELETE; the losers' DELETEs met 404 and were not failures.
        var deletes = sandbox.Requests.Where(r => r.Method == "DELETE").ToList();
        Assert.Equal(8, deletes.Count(r => r.StatusCode == 200));
        Assert.All(deletes, r => Assert.Contains(r.StatusCode, new[] { 200, 404 }));
        Assert.Equal(8, deletes.Where(r => r.StatusCode == 200).Select(r => r.Path).Distinct().Count());

        // No reconcile claims a number another one removed.
        var claimed = results.SelectMany(now => now.Detached).ToList();
        Assert.Equal(claimed.Count, claimed.Distinct().Count());
        Assert.Equal(Sorted(N[0], N[1]), (await PlanAsync(second.Client, Sales)).Actual);
    }

    [Fact]
    public async Task A_run_logs_one_summary_line_with_the_counts()
    {
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace());
        await SetPoolAsync(host.Client, Sales, [N[0], N[1], N[2]]);
        await SetPoolAsync(host.Client, Support, []);

        var summary = await host.Services.GetRequiredService<IPoolReconciler>().RunAsync(CancellationToken.None);

        Assert.Equal(2, summary.Pools);
        Assert.Equal(1, summary.Applied);
        Assert.Equal(1, summary.InSync);
        Assert.Equal(4, summary.UpstreamCalls); // Sales: GET, PUT, GET (the verify read); Support: GET
        var line = Assert.Single(host.Logs.Lines, l => l.Contains("Reconcile run:", StringComparison.Ordinal));
        Assert.Contains("1 in-sync, 1 applied, 0 blocked, 0 failed, 0 agent missing, 0 deferred, 0 paused, 4 upstream calls", line, StringComparison.Ordinal);
    }
}
