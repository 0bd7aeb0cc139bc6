using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Http;
using SynthflowConnector.Pools;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Tests.Pools.PoolTestSupport;

namespace SynthflowConnector.Tests.Pools;

/// <summary>Whole runs at scale through the real Host: injected upstream failures, and the time budget.</summary>
[Collection("Azurite")]
public sealed class PoolRunTests(AzuriteFixture azurite)
{
    private static string Agent(int i) => $"agent-{i:D3}";

    /// <summary>Number k (0..2) of agent i.</summary>
    private static string Number(int i, int k) => $"+1650{k}{i:D6}";

    /// <summary>Agents 0..count-1; each has numbers 0 and 2 attached and wants 0 and 1 (exact: attach 1, detach 2).</summary>
    private static SynthflowSandbox Agents(int count, int? seed = null)
    {
        var sandbox = new SynthflowSandbox(new SandboxOptions { Seed = false, RandomSeed = seed });
        for (var i = 0; i < count; i++)
        {
            for (var k = 0; k < 3; k++)
            {
                sandbox.AddNumber(Number(i, k));
            }

            sandbox.AddAgent(Agent(i), $"Agent {i}", AgentTypes.Outbound, [Number(i, 0), Number(i, 2)]);
        }

        return sandbox;
    }

    private static async Task DeclareAsync(ConnectorHostHarness host, int count)
    {
        var store = host.Services.GetRequiredService<IPoolStore>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
            await store.SetDesiredAsync(
                new DesiredPool { ModelId = Agent(i), PhoneNumbers = [Number(i, 0), Number(i, 1)], UpdatedAt = DateTimeOffset.UtcNow },
                PoolWriteCondition.None,
                ct));
    }

    private static bool Converged(SynthflowSandbox sandbox, int i) =>
        AttachedOf(sandbox, Agent(i)).SequenceEqual(Sorted(Number(i, 0), Number(i, 1)));

    [Fact]
    public async Task A_run_over_200_pools_with_20_percent_upstream_failures_converges_within_three_runs_and_reports_honestly()
    {
        const int Count = 200;
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Agents(Count, seed: 4242), new Dictionary<string, string?>
        {
            ["Synthflow:MaxRetries"] = "3", // the default: 4 attempts, no delay between them in tests
            ["Reconcile:MaxParallelAgents"] = "8",
        });
        await DeclareAsync(host, Count);

        // One in five requests fails at random. On top, the first 32 PUTs fail: the client's four attempts cannot hide
        // that from every agent, so the first run has failures to report, whatever the random draw.
        host.Sandbox.Faults.RandomFailureRate = 0.2; // 429, 500, 502, 503
        host.Sandbox.Faults.FailNext(32, 503, "PUT");
        var reconciler = host.Services.GetRequiredService<IPoolReconciler>();

        var runs = 0;
        var failuresSeen = 0;
        while (!Enumerable.Range(0, Count).All(i => Converged(host.Sandbox, i)))
        {
            Assert.True(runs < 3, $"not converged after {runs} runs");
            var logged = host.Sandbox.Requests.Count;
            var summary = await reconciler.RunAsync(CancellationToken.None);
            runs++;
            var requests = host.Sandbox.Requests.Skip(logged).ToList();
            var pools = (await ListPoolsAsync(host.Client)).Pools;

            // Every pool was attempted, and the counts add up.
            Assert.Equal(Count, summary.Pools);
            Assert.Equal(Count, summary.InSync + summary.Applied + summary.Failed);
            Assert.Equal(0, summary.Deferred + summary.Blocked + summary.AgentMissing + summary.Skipped);
            Assert.Equal(Count, pools.Count);
            Assert.All(pools, pool => Assert.True(pool.Status!.At >= summary.StartedAt, $"{pool.ModelId} was not reconciled"));

            // Honest: the statuses say what the summary says, success means the agent really has its pool, and
            // every failure carries its reason.
            Assert.Equal(summary.Failed, pools.Count(p => p.Status!.Outcome == "failed"));
            Assert.Equal(summary.Applied, pools.Count(p => p.Status!.Outcome == "applied"));
            Assert.Equal(summary.Failed, summary.Failures.Count);
            foreach (var pool in pools)
            {
                var i = int.Parse(pool.ModelId[6..], System.Globalization.CultureInfo.InvariantCulture);
                if (pool.Status!.Outcome is "applied" or "in-sync")
                {
                    Assert.True(Converged(host.Sandbox, i), $"{pool.ModelId} reported {pool.Status.Outcome} but is not in sync");
                    Assert.Equal(0, pool.Status.ConsecutiveFailures);
                }
                else
                {
                    Assert.Equal("failed", pool.Status.Outcome);
                    Assert.False(string.IsNullOrEmpty(pool.Status.Error));
                    Assert.True(pool.Status.ConsecutiveFailures >= 1);
                }
            }

            // The upstream count is the reconciler's own requests: at least one read per pool, never more than the
            // sandbox saw (which also counts the client's retries).
            Assert.InRange(summary.UpstreamCalls, Count, requests.Count);
            failuresSeen += requests.Count(r => r.Fault == SandboxFaultNames.RandomFailure);
            if (runs == 1)
            {
                Assert.True(summary.Failed >= 2, $"run 1 reported {summary.Failed} failures");
                Assert.All(summary.Failures, failure => Assert.Contains("Synthflow answered", failure.Error, StringComparison.Ordinal));
            }
        }

        Assert.InRange(runs, 1, 3);
        Assert.True(failuresSeen > 100, $"only {failuresSeen} injected failures: the faults did not bite");
        Assert.Contains(host.Logs.Lines, line => line.Contains("Reconcile run:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_run_cut_by_its_time_budget_leaves_the_rest_untouched_and_the_next_run_starts_with_them()
    {
        const int Count = 12;

        // The reconciler's own clock moves a minute each time it is read: a 10-minute budget fits a few agents.
        var clock = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero)) { AutoAdvanceAmount = TimeSpan.FromMinutes(1) };
        await using var host = await ConnectorHostHarness.StartAsync(
            azurite,
            Agents(Count),
            new Dictionary<string, string?> { ["Reconcile:MaxParallelAgents"] = "1", ["Reconcile:MaxRunDuration"] = "00:10:00" },
            configureServices: services => services.AddTransient<IPoolReconciler>(sp => ActivatorUtilities.CreateInstance<PoolReconciler>(sp, clock)));
        await DeclareAsync(host, Count);
        var reconciler = host.Services.GetRequiredService<IPoolReconciler>();

        var untouched = Enumerable.Range(0, Count).Select(Agent).ToHashSet();
        for (var run = 1; untouched.Count > 0; run++)
        {
            Assert.True(run <= Count, "the runs make no progress");
            var summary = await reconciler.RunAsync(CancellationToken.None);
            var pools = (await ListPoolsAsync(host.Client)).Pools;
            var reconciled = pools.Where(p => p.Status is { } status && status.At >= summary.StartedAt).Select(p => p.ModelId).ToHashSet();

            Assert.NotEmpty(reconciled);
            Assert.Equal(Count - reconciled.Count, summary.Deferred);
            Assert.True(summary.Duration >= TimeSpan.FromMinutes(9) || summary.Deferred == 0, $"stopped early: {summary.Duration}");

            // Oldest first: pools never reconciled go before any pool reconciled in an earlier run.
            if (reconciled.Count <= untouched.Count)
            {
                Assert.Subset(untouched, reconciled);
            }
            else
            {
                Assert.Superset(untouched, reconciled);
            }

            // Deferred pools were not even read upstream.
            if (run == 1)
            {
                foreach (var modelId in untouched.Where(id => !reconciled.Contains(id)))
                {
                    Assert.DoesNotContain(host.Sandbox.Requests, r => r.Path.Contains(modelId, StringComparison.Ordinal));
                }
            }

            untouched.ExceptWith(reconciled);
        }

        Assert.All(Enumerable.Range(0, Count), i => Assert.True(Converged(host.Sandbox, i)));
        Assert.All((await ListPoolsAsync(host.Client)).Pools, pool => Assert.Contains(pool.Status!.Outcome, new[] { "applied", "in-sync" }));
    }
}
