using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Hosting;

namespace SynthflowConnector.Tests.Campaigns;

/// <summary>
/// One dispatcher run as a pipeline (one reader of due recipients, MaxParallelDials workers): what it says when its
/// budget ends with work left, that a failure ends it instead of hanging it, and that the Host then runs again at once.
/// </summary>
public sealed class DispatchRunTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_run_whose_budget_ends_with_recipients_due_says_so_and_the_next_run_dials_the_rest_once()
    {
        using var rig = new CampaignRig(new DateTimeOffset(2025, 6, 2, 13, 0, 0, TimeSpan.Zero));
        var phones = Enumerable.Range(0, 6).Select(i => $"+1212555{i:D4}").ToArray();
        await rig.CreateAsync(CampaignRig.Command(phones));
        rig.Settings.MaxParallelDials = 2;
        rig.Synthflow.AfterPlacing = _ =>
        {
            if (rig.Synthflow.Placements.Count == 2)
            {
                rig.Clock.Advance(TimeSpan.FromSeconds(10)); // the 9-second budget is spent
            }

            return null;
        };

        var first = await rig.DispatchAsync().WaitAsync(Patience);

        Assert.True(first.MoreDue);
        Assert.InRange(first.CallsPlaced, 2, 3); // the two at the deadline, and at most one already past its check
        rig.Synthflow.AfterPlacing = null;
        var second = await rig.DispatchAsync().WaitAsync(Patience);

        Assert.False(second.MoreDue);
        Assert.Equal(6, first.CallsPlaced + second.CallsPlaced);
        Assert.Equal(6, rig.Synthflow.Placements.Select(p => p.Phone).Distinct().Count());
        Assert.Equal(6, rig.Synthflow.Placements.Count);
    }

    [Fact]
    public async Task A_run_that_finishes_its_work_inside_the_budget_does_not_ask_for_another()
    {
        using var rig = new CampaignRig(new DateTimeOffset(2025, 6, 2, 13, 0, 0, TimeSpan.Zero));
        await rig.CreateAsync(CampaignRig.Command("+12125550001", "+12125550002", "+12125550003"));

        var summary = await rig.DispatchAsync().WaitAsync(Patience);

        Assert.Equal(3, summary.CallsPlaced);
        Assert.False(summary.MoreDue);
    }

    [Fact]
    public async Task A_batch_smaller_than_the_workers_reads_past_the_recipients_handed_out_and_dials_everyone_in_one_run()
    {
        using var rig = new CampaignRig(new DateTimeOffset(2025, 6, 2, 13, 0, 0, TimeSpan.Zero));
        var phones = Enumerable.Range(0, 12).Select(i => $"+1212555{i:D4}").ToArray();
        await rig.CreateAsync(CampaignRig.Command(phones));
        rig.Settings.DispatchBatchSize = 2;
        rig.Settings.MaxParallelDials = 4;

        var summary = await rig.DispatchAsync().WaitAsync(Patience);

        Assert.Equal(12, summary.CallsPlaced);
        Assert.False(summary.MoreDue);
        Assert.Equal(12, rig.Synthflow.Placements.Select(p => p.Phone).Distinct().Count());
    }

    [Fact]
    public async Task A_dial_that_fails_on_storage_fails_the_run_instead_of_hanging_it()
    {
        var suppressions = new Mock<ISuppressionStore>(MockBehavior.Strict);
        suppressions.Setup(s => s.GetAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ThrowsAsync(new StoreUnavailableException("Table storage is unavailable."));
        using var rig = new CampaignRig(new DateTimeOffset(2025, 6, 2, 13, 0, 0, TimeSpan.Zero), suppressions: suppressions.Object);
        var phones = Enumerable.Range(0, 40).Select(i => $"+1212555{i:D4}").ToArray();
        await rig.CreateAsync(CampaignRig.Command(phones));
        rig.Settings.MaxParallelDials = 3;

        var failure = await Assert.ThrowsAsync<StoreUnavailableException>(() => rig.DispatchAsync().WaitAsync(Patience));

        Assert.Contains("unavailable", failure.Message, StringComparison.Ordinal);
        Assert.Empty(rig.Synthflow.Placements);
    }

    [Fact]
    public async Task The_Host_scheduler_starts_the_next_run_at_once_while_a_run_asks_for_more()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 6, 2, 13, 0, 0, 500, TimeSpan.Zero));
        var scheduler = new CountingScheduler(clock, runsWantingMore: 3);

        await scheduler.StartAsync(CancellationToken.None);
        var occurrence = await scheduler.NextOccurrence.WaitAsync(Patience);
        clock.Advance(occurrence - clock.GetUtcNow());

        // Three runs asked for more: four runs at the one occurrence, then it waits for the next one.
        var next = await WaitForNextOccurrenceAfterAsync(scheduler, occurrence);
        Assert.Equal(4, scheduler.Runs);
        Assert.Equal(occurrence + TimeSpan.FromSeconds(10), next);
        await scheduler.StopAsync(CancellationToken.None);
    }

    private static async Task<DateTimeOffset> WaitForNextOccurrenceAfterAsync(CountingScheduler scheduler, DateTimeOffset occurrence)
    {
        var until = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < until)
        {
            var next = await scheduler.NextOccurrence.WaitAsync(Patience);
            if (next > occurrence)
            {
                return next;
            }

            await Task.Delay(1);
        }

        throw new TimeoutException("The scheduler never armed its next occurrence.");
    }

    /// <summary>A scheduler on "every 10 seconds" whose first runs ask for another at once.</summary>
    private sealed class CountingScheduler(TimeProvider clock, int runsWantingMore)
        : CronScheduler<DispatchSummary>(new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(), clock, NullLogger.Instance)
    {
        private int _runs;

        public int Runs => Volatile.Read(ref _runs);

        protected override string JobName => "test dispatch";

        protected override (string Enabled, string Schedule) SettingNames => ("Test__Enabled", "Test__Schedule");

        protected override (bool Enabled, string? Schedule) ReadSettings() => (true, "*/10 * * * * *");

        protected override bool RunAgainNow(DispatchSummary summary) => summary.MoreDue;

        protected override Task<DispatchSummary> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
        {
            var run = Interlocked.Increment(ref _runs);
            return Task.FromResult(new DispatchSummary(1, 1, 0, 0, MoreDue: run <= runsWantingMore));
        }
    }
}
