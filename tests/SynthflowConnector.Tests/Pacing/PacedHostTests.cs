using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Infrastructure;
using SynthflowConnector.Tests.Storage;

namespace SynthflowConnector.Tests.Pacing;

/// <summary>
/// Make a call through the real Host over HTTP, paced: the sandbox enforces the same CAPS and concurrency and never has
/// to refuse; too long a wait is 429 with Retry-After; two Hosts on one storage account share the limits; call ends
/// (webhooks, or a late lookup when a webhook is lost) free slots; an unpaced sandbox Host never touches the pacing table.
/// </summary>
[Collection("Azurite")]
public sealed class PacedHostTests(AzuriteFixture azurite)
{
    private static Dictionary<string, string?> Limits(int caps, int concurrency, string maxWait = "00:01:00", string checkAfter = "00:02:00") => new()
    {
        ["Synthflow:CallsPerSecond"] = caps.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Synthflow:MaxConcurrentCalls"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Synthflow:PacingMaxWait"] = maxWait,
        ["Synthflow:LiveCallCheckAfter"] = checkAfter,
    };

    [Fact]
    public async Task Many_concurrent_calls_get_no_sandbox_429_never_pass_CAPS_or_concurrency_and_are_freed_by_their_webhooks()
    {
        var clock = new FakeTimeProvider(PacedHost.Start);
        var sandbox = PacedHost.Sandbox(clock, caps: 4, concurrency: 3, TimeSpan.FromSeconds(2));
        await using var host = await PacedHost.StartAsync(azurite, sandbox, clock, AzuriteFixture.UniqueTableName(), Limits(4, 3));
        var peak = 0;

        var responses = await PacedHost.PumpAsync(clock, [host], [.. Enumerable.Range(0, 20).Select(i => PacedHost.MakeCallAsync(host, i))], () => peak = Math.Max(peak, sandbox.LiveCallCount));

        await AssertAllPlacedAsync(responses);
        Assert.Equal(0, sandbox.RateLimitedCalls);
        var starts = PacedHost.PlacedStarts(sandbox);
        Assert.Equal(20, starts.Count);
        Assert.True(PacingRig.MaxInAnyRollingSecond(starts) <= 4);
        Assert.Equal(3, peak);

        // Every slot came back through a call-ended webhook: the run ended before any call was old enough for a late lookup.
        Assert.True(clock.GetUtcNow() - PacedHost.Start < TimeSpan.FromMinutes(2));
        Assert.DoesNotContain(host.Logs.Lines, line => line.Contains("end event was late", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_request_that_would_wait_longer_than_PacingMaxWait_gets_429_with_Retry_After_and_no_call()
    {
        var clock = new FakeTimeProvider(PacedHost.Start);
        var sandbox = PacedHost.Sandbox(clock, caps: 1, concurrency: 5, TimeSpan.FromSeconds(30));
        await using var host = await PacedHost.StartAsync(azurite, sandbox, clock, AzuriteFixture.UniqueTableName(), Limits(1, 5, maxWait: "00:00:02"));

        var responses = await PacedHost.PumpAsync(clock, [host], [.. Enumerable.Range(0, 6).Select(i => PacedHost.MakeCallAsync(host, i))]);

        Assert.Equal(2, responses.Count(r => r.IsSuccessStatusCode)); // starts at 0 s and 1.02 s; the next would be 2.04 s
        var refused = responses.Where(r => !r.IsSuccessStatusCode).ToList();
        Assert.Equal(4, refused.Count);
        foreach (var response in refused)
        {
            var problem = await HttpAssert.ProblemAsync(response, HttpStatusCode.TooManyRequests);
            Assert.EndsWith("pacing", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
            Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After {response.Headers.RetryAfter}");
        }

        Assert.Equal(2, PacedHost.PlacedStarts(sandbox).Count);
        Assert.Equal(2, sandbox.CountRequests("POST", "/v2/calls"));
        Assert.Equal(0, sandbox.RateLimitedCalls);
    }

    [Fact]
    public async Task Two_Hosts_on_one_storage_account_and_one_sandbox_stay_within_the_limits_together()
    {
        var clock = new FakeTimeProvider(PacedHost.Start);
        var sandbox = PacedHost.Sandbox(clock, caps: 3, concurrency: 4, TimeSpan.FromSeconds(2));
        var table = AzuriteFixture.UniqueTableName();
        await using var first = await PacedHost.StartAsync(azurite, sandbox, clock, table, Limits(3, 4));
        await using var second = await PacedHost.StartAsync(azurite, sandbox, clock, table, Limits(3, 4));
        var peak = 0;

        var responses = await PacedHost.PumpAsync(
            clock,
            [first, second],
            [.. Enumerable.Range(0, 24).Select(i => PacedHost.MakeCallAsync(i % 2 == 0 ? first : second, i))],
            () => peak = Math.Max(peak, sandbox.LiveCallCount));

        await AssertAllPlacedAsync(responses);
        Assert.Equal(0, sandbox.RateLimitedCalls);
        var starts = PacedHost.PlacedStarts(sandbox);
        Assert.Equal(24, starts.Count);
        Assert.True(PacingRig.MaxInAnyRollingSecond(starts) <= 3);
        Assert.True(peak <= 4, $"peak {peak}");
    }

    [Fact]
    public async Task A_lost_webhook_frees_the_slot_through_the_late_lookup()
    {
        var clock = new FakeTimeProvider(PacedHost.Start);
        var sandbox = PacedHost.Sandbox(clock, caps: 5, concurrency: 1, TimeSpan.FromSeconds(2));
        sandbox.Webhooks.DropAll = true;
        await using var host = await PacedHost.StartAsync(azurite, sandbox, clock, AzuriteFixture.UniqueTableName(), Limits(5, 1, checkAfter: "00:00:10"));

        var responses = await PacedHost.PumpAsync(clock, [host], [PacedHost.MakeCallAsync(host, 0), PacedHost.MakeCallAsync(host, 1)]);

        await AssertAllPlacedAsync(responses);
        var starts = PacedHost.PlacedStarts(sandbox).Order().ToList();
        Assert.True(starts[1] - starts[0] >= TimeSpan.FromSeconds(10), $"{starts[0]:O} → {starts[1]:O}");
        Assert.Contains(host.Logs.Lines, line => line.Contains("end event was late", StringComparison.Ordinal));
        Assert.Equal(0, sandbox.RateLimitedCalls);
    }

    [Fact]
    public async Task In_sandbox_mode_without_limits_the_pacer_sends_no_table_request()
    {
        var clock = new FakeTimeProvider(PacedHost.Start);
        var sandbox = PacedHost.Sandbox(clock, caps: null, concurrency: null, TimeSpan.FromSeconds(2));
        var counter = new RequestCountingPolicy();
        var table = AzuriteFixture.UniqueTableName();
        await using var host = await PacedHost.StartAsync(azurite, sandbox, clock, table, new Dictionary<string, string?> { ["Synthflow:ApiKey"] = null, ["Synthflow:CallsPerSecond"] = null, ["Synthflow:MaxConcurrentCalls"] = null }, counter);

        var responses = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => PacedHost.MakeCallAsync(host, i)));

        await AssertAllPlacedAsync(responses);
        Assert.False(host.Services.GetRequiredService<PacingLimits>().IsPaced);
        Assert.NotEmpty(counter.Requests); // the counter sees the Host's table traffic (placed calls)…
        Assert.DoesNotContain(counter.Requests, request => request.Contains(table, StringComparison.OrdinalIgnoreCase)); // …and none of it is pacing
    }

    [Fact]
    public async Task A_paced_call_costs_three_pacing_writes_from_placing_to_its_end()
    {
        var clock = new FakeTimeProvider(PacedHost.Start);
        var sandbox = PacedHost.Sandbox(clock, caps: 10, concurrency: 5, TimeSpan.FromSeconds(2));
        var counter = new RequestCountingPolicy();
        var table = AzuriteFixture.UniqueTableName();
        await using var host = await PacedHost.StartAsync(azurite, sandbox, clock, table, Limits(10, 5), counter);
        var observer = new TableAccountPacingStore(azurite.CreateConnectorTables()) { TableName = table }; // not counted
        await EndOneCallAsync(0); // creates the table and warms up

        counter.Reset();
        await EndOneCallAsync(1);

        // Reserve, bind, free (the receiver frees the slot as it accepts the webhook): one read and one write each. The
        // fan-out's own release then finds the slot gone (one more read), unless it joined the receiver's write.
        var pacing = counter.Requests.Where(request => request.Contains(table, StringComparison.OrdinalIgnoreCase)).ToList();
        var writes = pacing.Count(request => !request.StartsWith("GET ", StringComparison.Ordinal));
        Assert.True(writes == 3 && pacing.Count - writes is 3 or 4, string.Join(Environment.NewLine, pacing));

        async Task EndOneCallAsync(int index)
        {
            var placed = (await PacedHost.PumpAsync(clock, [host], [PacedHost.MakeCallAsync(host, index)])).Single();
            Assert.True(placed.IsSuccessStatusCode);
            var callId = System.Text.Json.JsonDocument.Parse(await placed.Content.ReadAsStringAsync()).RootElement.GetProperty("callId").GetString();
            clock.Advance(TimeSpan.FromSeconds(3)); // the call ends; its webhook frees the slot and is fanned out
            var placedCalls = host.Services.GetRequiredService<SynthflowConnector.Hooks.IPlacedCallStore>();
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while ((await observer.ReadAsync(CancellationToken.None)).State.Live.Count > 0
                || (await placedCalls.ListOpenAsync(CancellationToken.None)).Any(call => call.CallId == callId))
            {
                Assert.True(DateTime.UtcNow < until, "The call's end never freed its slot, or was never fanned out.");
                await Task.Delay(5);
            }
        }
    }

    private static async Task AssertAllPlacedAsync(IEnumerable<HttpResponseMessage> responses)
    {
        foreach (var response in responses)
        {
            Assert.True(response.IsSuccessStatusCode, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
