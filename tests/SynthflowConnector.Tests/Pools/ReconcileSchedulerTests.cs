using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using SynthflowConnector.Hosting;
using SynthflowConnector.Pools;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Tests.Pools.PoolTestSupport;

namespace SynthflowConnector.Tests.Pools;

/// <summary>The Host's reconcile timer on a fake clock: time is moved, never waited for.</summary>
[Collection("Azurite")]
public sealed class ReconcileSchedulerTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 3, 17, TimeSpan.Zero);

    private static (ReconcileScheduler Scheduler, Mock<IPoolReconciler> Reconciler, ServiceProvider Services) Create(FakeTimeProvider clock, bool enabled = true)
    {
        var reconciler = new Mock<IPoolReconciler>(MockBehavior.Strict);
        var services = new ServiceCollection().AddSingleton(reconciler.Object).BuildServiceProvider();
        var scheduler = new ReconcileScheduler(
            services.GetRequiredService<IServiceScopeFactory>(),
            Options.Create(new ReconcileOptions { Enabled = enabled, Schedule = "0 */5 * * * *" }),
            clock,
            NullLogger<ReconcileScheduler>.Instance);
        return (scheduler, reconciler, services);
    }

    [Fact]
    public async Task Runs_at_each_occurrence_and_not_before()
    {
        var clock = new FakeTimeProvider(Start);
        var (scheduler, reconciler, services) = Create(clock);
        await using var _ = services;
        var runs = 0;
        reconciler.Setup(r => r.RunAsync(It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => new ReconcileRunSummary { StartedAt = clock.GetUtcNow(), Applied = Interlocked.Increment(ref runs) });

        await scheduler.StartAsync(CancellationToken.None);
        var first = await scheduler.NextOccurrence.WaitAsync(Patience);
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 5, 0, TimeSpan.Zero), first);

        // Its timer is set: a minute short of the occurrence, nothing runs.
        var completed = scheduler.NextRunCompleted;
        clock.Advance(first - clock.GetUtcNow() - TimeSpan.FromMinutes(1));
        Assert.False(completed.IsCompleted);
        Assert.Equal(0, Volatile.Read(ref runs));

        clock.Advance(TimeSpan.FromMinutes(1));
        var summary = await completed.WaitAsync(Patience);
        Assert.Equal(first, summary.StartedAt);

        completed = scheduler.NextRunCompleted;
        var second = await scheduler.NextOccurrence.WaitAsync(Patience);
        Assert.Equal(first.AddMinutes(5), second);
        clock.Advance(second - clock.GetUtcNow());
        Assert.Equal(2, (await completed.WaitAsync(Patience)).Applied);

        await scheduler.StopAsync(CancellationToken.None);
        reconciler.Verify(r => r.RunAsync(It.IsAny<CancellationToken>()), Times.Exactly(2));
    }

    [Fact]
    public async Task A_failed_run_does_not_stop_the_schedule()
    {
        var clock = new FakeTimeProvider(Start);
        var (scheduler, reconciler, services) = Create(clock);
        await using var _ = services;
        reconciler.SetupSequence(r => r.RunAsync(It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("storage is down"))
            .ReturnsAsync(new ReconcileRunSummary { InSync = 1 });

        await scheduler.StartAsync(CancellationToken.None);
        var failed = scheduler.NextRunCompleted;
        clock.Advance(await scheduler.NextOccurrence.WaitAsync(Patience) - clock.GetUtcNow());
        await Assert.ThrowsAsync<InvalidOperationException>(() => failed.WaitAsync(Patience));

        var next = scheduler.NextRunCompleted;
        clock.Advance(await scheduler.NextOccurrence.WaitAsync(Patience) - clock.GetUtcNow());
        Assert.Equal(1, (await next.WaitAsync(Patience)).InSync);
        Assert.False(scheduler.ExecuteTask!.IsCompleted);
        await scheduler.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Reconcile_Enabled_false_turns_the_scheduler_off()
    {
        var clock = new FakeTimeProvider(Start);
        var (scheduler, reconciler, services) = Create(clock, enabled: false);
        await using var _ = services;

        await scheduler.StartAsync(CancellationToken.None);
        clock.Advance(TimeSpan.FromHours(1));

        // The loop ended by itself (it never set a timer), so no amount of time can start a run.
        await scheduler.ExecuteTask!.WaitAsync(Patience);
        Assert.False(scheduler.NextOccurrence.IsCompleted);
        reconciler.VerifyNoOtherCalls();
        await scheduler.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task The_Host_reconciles_on_the_schedule()
    {
        var clock = new FakeTimeProvider(Start);
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace(), new Dictionary<string, string?> { ["Reconcile:Enabled"] = "true" }, timeProvider: clock);
        var scheduler = host.Services.GetRequiredService<ReconcileScheduler>();
        await SetPoolAsync(host.Client, Support, [N[2], N[3]]);

        var completed = scheduler.NextRunCompleted;
        var occurrence = await scheduler.NextOccurrence.WaitAsync(Patience);
        Assert.Equal(0, PoolChanges(host.Sandbox));

        clock.Advance(occurrence - clock.GetUtcNow());
        var summary = await completed.WaitAsync(Patience);

        Assert.Equal(1, summary.Applied);
        Assert.Equal(Sorted(N[2], N[3]), AttachedOf(host.Sandbox, Support));
        var status = (await GetPoolAsync(host.Client, Support)).Status!;
        Assert.Equal("applied", status.Outcome);
        Assert.Equal(occurrence, status.At);
    }

    [Fact]
    public async Task The_Host_scheduler_is_off_with_Reconcile_Enabled_false()
    {
        var clock = new FakeTimeProvider(Start);
        await using var host = await ConnectorHostHarness.StartAsync(azurite, Workspace(), new Dictionary<string, string?> { ["Reconcile:Enabled"] = "false" }, timeProvider: clock);
        await SetPoolAsync(host.Client, Support, [N[2]]);
        var scheduler = host.Services.GetRequiredService<ReconcileScheduler>();

        clock.Advance(TimeSpan.FromHours(1));

        await scheduler.ExecuteTask!.WaitAsync(Patience);
        Assert.Equal(0, PoolChanges(host.Sandbox));
        Assert.Contains(host.Logs.Lines, line => line.Contains("Reconcile__Enabled is false", StringComparison.Ordinal));
    }
}
