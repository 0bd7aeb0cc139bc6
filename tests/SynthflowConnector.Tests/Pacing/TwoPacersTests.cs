using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Tests.Hooks.Core;
using SynthflowConnector.Tests.Infrastructure;
using SynthflowConnector.Tests.Storage;

namespace SynthflowConnector.Tests.Pacing;

/// <summary>Two processes' pacers (own coordinators, own table clients) on one Azurite record keep the limits together.</summary>
[Collection("Azurite")]
public sealed class TwoPacersTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Two_instances_together_never_exceed_CAPS_or_concurrency_and_cost_six_operations_per_call_uncontended()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 6, 2, 9, 0, 0, TimeSpan.Zero));
        var limits = new PacingLimits { CallsPerSecond = 4, MaxConcurrentCalls = 3 };
        var table = AzuriteFixture.UniqueTableName();
        var counter = new RequestCountingPolicy();
        var instances = Enumerable.Range(0, 2).Select(_ => new Instance(azurite, table, limits, clock, counter)).ToList();
        var sleepers = new TestSleepers(clock);
        var starts = new ConcurrentBag<DateTimeOffset>();
        var live = 0;
        var peak = 0;
        var work = Enumerable.Range(0, 24).Select(i => Task.Run(async () =>
        {
            var pacer = instances[i % 2].Pacer;
            var slot = await pacer.AcquireAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
            starts.Add(clock.GetUtcNow());
            var now = Interlocked.Increment(ref live);
            int seen;
            while ((seen = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, seen) != seen)
            {
            }

            await pacer.BindAsync(slot, $"call-{i}", CancellationToken.None);
            await sleepers.SleepAsync(TimeSpan.FromSeconds(1.5));
            Interlocked.Decrement(ref live);
            await pacer.ReleaseAsync($"call-{i}", CancellationToken.None);
        })).ToList();

        await ClockPump.RunAsync(
            clock,
            () => work.Count(t => !t.IsCompleted),
            () => instances.Sum(x => x.Coordinator.SleepingCallers) + sleepers.Count,
            () => PacingRig.Min([.. instances.Select(x => x.Coordinator.NextWakeAt), sleepers.NextWakeAt]),
            TimeSpan.FromMilliseconds(50),
            TimeSpan.FromMinutes(5));
        await Task.WhenAll(work);

        Assert.Equal(24, starts.Count);
        Assert.True(PacingRig.MaxInAnyRollingSecond(starts) <= 4);
        Assert.True(peak <= 3, $"peak {peak}");
        Assert.Equal(3, peak);
        var (state, _) = await instances[0].Store.ReadAsync(CancellationToken.None);
        Assert.Empty(state.Live);

        // One more call alone, tables already created: acquire, bind and release are a read and a write each.
        counter.Reset();
        var single = instances[0].Pacer;
        var one = await single.AcquireAsync(TimeSpan.FromMinutes(1), CancellationToken.None);
        await single.BindAsync(one, "call-alone", CancellationToken.None);
        await single.ReleaseAsync("call-alone", CancellationToken.None);
        Assert.Equal(6, counter.Count);
    }

    private sealed class Instance
    {
        public Instance(AzuriteFixture azurite, string table, PacingLimits limits, FakeTimeProvider clock, RequestCountingPolicy counter)
        {
            Store = new TableAccountPacingStore(azurite.CreateConnectorTables(StorageTestOptions.Counting(counter))) { TableName = table };
            Coordinator = new PacingCoordinator(clock);
            Pacer = new AccountPacer(Store, limits, Coordinator, new FakeSynthflowCalls(), clock, NullLogger<AccountPacer>.Instance);
        }

        public TableAccountPacingStore Store { get; }

        public PacingCoordinator Coordinator { get; }

        public AccountPacer Pacer { get; }
    }
}
