using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Hooks;
using SynthflowConnector.Hosting;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Hosting;

/// <summary>
/// The Host's stand-in for the <c>SweepEndedCalls</c> timer, on a fake clock shared by the Host and its Synthflow
/// sandbox: time is moved, never waited for.
/// </summary>
[Collection("Azurite")]
public sealed class CallEndSweepSchedulerTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_Host_sweeps_on_its_schedule_and_emits_the_end_of_a_call_whose_webhook_never_came_once_the_grace_has_passed()
    {
        // About real "now" (so the open placed calls other tests left in the shared table are not past the lookback), at
        // ten seconds past a minute: the first occurrence (each minute) comes 47 s after the call ends, not during it.
        var now = DateTimeOffset.UtcNow;
        var clock = new FakeTimeProvider(now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMinute)).AddSeconds(10));
        await using var host = await ConnectorHostHarness.StartAsync(
            azurite,
            new SynthflowSandbox(timeProvider: clock),
            new Dictionary<string, string?> { ["Hooks:SweepEnabled"] = "true", ["Synthflow:WebhookSecret"] = "whsec-sweep-test" },
            timeProvider: clock);
        var scheduler = host.Services.GetRequiredService<CallEndSweepScheduler>();
        var events = host.Services.GetRequiredService<ICallEventStore>();

        // Live mode without Connector__PublicBaseUrl: Synthflow is given no webhook address, so only the sweep sees the end.
        using var placed = await host.Client.PostAsync("/api/calls", HttpAssert.Json(new { modelId = SandboxSeed.SalesEastModelId, phone = "+12125550140", name = "Ada" }));
        var callId = (await HttpAssert.OkAsync<JsonElement>(placed)).GetProperty("callId").GetString()!;
        clock.Advance(SynthflowSandbox.DefaultCallDuration);
        var ended = clock.GetUtcNow();
        Assert.Equal("completed", Assert.Single(host.Sandbox.Calls, call => call.CallId == callId).Status);
        Assert.Null(Assert.Single(host.Sandbox.Calls, call => call.CallId == callId).ExternalWebhookUrl);

        // Each occurrence runs the sweep; those within the grace (Hooks__SweepGrace, 2 minutes) leave the call alone.
        var runs = 0;
        while (true)
        {
            var completed = scheduler.NextRunCompleted;
            var occurrence = await scheduler.NextOccurrence.WaitAsync(Patience);
            Assert.Equal(0, occurrence.Second);
            clock.Advance(occurrence - clock.GetUtcNow());
            var summary = await completed.WaitAsync(Patience);
            runs++;
            var stored = await events.GetAsync(callId, "completed", CancellationToken.None);
            if (occurrence - ended <= TimeSpan.FromMinutes(2))
            {
                Assert.Null(stored);
                continue;
            }

            Assert.True(summary.EventsEmitted >= 1, $"run {runs}: {summary}");
            stored = await FannedOutAsync(events, callId);
            Assert.Null(stored.OriginalBody);
            Assert.Equal(SandboxSeed.SalesEastModelId, stored.Event.ModelId);
            Assert.Equal(occurrence, stored.Event.ReceivedAt);
            break;
        }

        Assert.Equal(3, runs); // at 47 s and 107 s after the end: within the grace; at 167 s: emitted
    }

    [Fact]
    public async Task Hooks__SweepEnabled_false_leaves_the_Host_without_a_sweep()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var host = await ConnectorHostHarness.StartAsync(azurite, settings: new Dictionary<string, string?> { ["Hooks:SweepEnabled"] = "false" }, timeProvider: clock);
        var scheduler = host.Services.GetRequiredService<CallEndSweepScheduler>();

        // The loop ended by itself (it never set a timer), so no amount of time can start a run.
        await scheduler.ExecuteTask!.WaitAsync(Patience);
        clock.Advance(TimeSpan.FromHours(1));
        Assert.False(scheduler.NextOccurrence.IsCompleted);
        Assert.False(scheduler.NextRunCompleted.IsCompleted);
        Assert.Contains(host.Logs.Lines, line => line.Contains("call-end sweep scheduler is off (Hooks__SweepEnabled is false)", StringComparison.Ordinal));
    }

    /// <summary>
    /// The event the Host's queue processor stores when it handles the sweep's message (woken by the local enqueue):
    /// polls the table until it is there.
    /// </summary>
    private static async Task<StoredCallEvent> FannedOutAsync(ICallEventStore events, string callId)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            if (await events.GetAsync(callId, "completed", timeout.Token) is { } stored)
            {
                return stored;
            }

            // A poll of the emulator, not a wait for something to happen by itself: each round asks again.
            await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token);
        }
    }
}
