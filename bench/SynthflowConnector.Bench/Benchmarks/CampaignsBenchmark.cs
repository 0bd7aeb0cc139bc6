using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SynthflowConnector.Bench.Infrastructure;
using SynthflowConnector.Bench.Load;
using SynthflowConnector.Bench.Reporting;
using SynthflowConnector.Hosting;
using SynthflowConnector.Sandbox;

namespace SynthflowConnector.Bench.Benchmarks;

/// <summary>
/// Issue 12: a campaign of N recipients through the real Host (sandbox mode, Azurite tables and queues, its own
/// dispatcher loop and queue processors), IN THIS PROCESS (so the working set measured is Host + simulator + harness).
/// The simulator acts as a non-Enterprise account with CAPS 20/s, 50 calls at once and calls of 2 s; the connector's
/// pacer is set to the same limits. Measured from the simulator's own record of calls: the achieved start rate against
/// 0.97 × min(CAPS, concurrency / duration), 429s, numbers dialled twice, the most calls live at once, and the process's
/// peak working set.
/// </summary>
internal static class CampaignsBenchmark
{
    public const int Caps = 20;
    public const int Concurrency = 50;
    public const double CallSeconds = 2;
    public const double PeakWorkingSetTargetMb = 300;

    private static readonly string[] EveryDay = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    public static double TargetRate => 0.97 * Math.Min(Caps, Concurrency / CallSeconds);

    public static async Task RunAsync(BenchContext context)
    {
        var sizes = context.Recipients ?? (context.Quick ? [200] : [1000, 10_000]);
        foreach (var size in sizes)
        {
            await RunOneAsync(context, size);
        }
    }

    private static async Task RunOneAsync(BenchContext context, int size)
    {
        BenchContext.Heading($"campaigns: {size:N0} recipients, sandbox CAPS {Caps}/s, {Concurrency} at once, calls of {CallSeconds:0} s (Host in this process)");
        var ct = context.CancellationToken;
        var azurite = await context.AzuriteAsync();
        var settings = new Dictionary<string, string?>
        {
            ["Sandbox:CallsPerSecond"] = Caps.ToString(CultureInfo.InvariantCulture),
            ["Sandbox:MaxConcurrentCalls"] = Concurrency.ToString(CultureInfo.InvariantCulture),
            ["Sandbox:CallDuration"] = CallSeconds.ToString(CultureInfo.InvariantCulture),
            ["Synthflow:CallsPerSecond"] = Caps.ToString(CultureInfo.InvariantCulture),
            ["Synthflow:MaxConcurrentCalls"] = Concurrency.ToString(CultureInfo.InvariantCulture),

            // The client-side limiter (default 10 requests/s) would cap placements and look-ups below CAPS.
            ["Synthflow:MaxRequestsPerSecond"] = "10000",
            ["Campaigns:DispatchSchedule"] = "* * * * * *",
        };
        foreach (var (key, value) in context.Settings)
        {
            settings[key] = value;
        }

        // Under `all` the earlier benchmarks' heap is still mapped: give it back first, and report where the run started.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        using var self = Process.GetCurrentProcess();
        var peakBefore = PeakWorkingSetMb(self);
        var baselineMb = self.WorkingSet64 / 1048576.0;
        await using var host = await InProcessHost.StartSandboxModeAsync(azurite.ConnectionString, settings);
        var sandbox = host.Services.GetRequiredService<SandboxHost>().Sandbox;
        await host.Services.GetRequiredService<SandboxHost>().GetEndpointAsync(ct);
        using var toHost = BenchHttp.Create(host.BaseAddress, 8);
        toHost.DefaultRequestHeaders.Add("x-functions-key", InProcessHost.FunctionKey);

        // Samplers: live calls at the simulator and this process's working set, every 50 ms.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var maxLive = 0;
        double peakMb = 0;
        var sampler = Task.Run(async () =>
        {
            using var me = Process.GetCurrentProcess();
            while (!stop.IsCancellationRequested)
            {
                maxLive = Math.Max(maxLive, sandbox.LiveCallCount);
                me.Refresh();
                peakMb = Math.Max(peakMb, me.WorkingSet64 / 1048576.0);
                try
                {
                    await Task.Delay(50, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }, CancellationToken.None);

        using var meter = new HttpClientMeter();
        var cpu = self.TotalProcessorTime;
        var tableCpu = azurite.CpuTime();
        var queueCpu = azurite.QueueCpuTime();
        var clock = Stopwatch.StartNew();
        var created = await CreateCampaignAsync(toHost, size, ct);
        var createSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  campaign {created} created with {size:N0} recipients in {createSeconds:0.0} s");

        var timeout = TimeSpan.FromSeconds(60 + (size / TargetRate * 3));
        string state = "?";
        string counts = "";
        var lastPrint = 0.0;
        while (clock.Elapsed < timeout)
        {
            await Task.Delay(1000, ct);
            (state, counts) = await GetStateAsync(toHost, created, ct);
            if (state == "completed")
            {
                break;
            }

            if (clock.Elapsed.TotalSeconds - lastPrint >= 30)
            {
                lastPrint = clock.Elapsed.TotalSeconds;
                Console.WriteLine($"  {lastPrint:0} s: {state}, {sandbox.Calls.Count:N0} calls placed, {sandbox.LiveCallCount} live, {sandbox.RateLimitedCalls} 429s, working set peak {peakMb:0} MB");
            }
        }

        var wall = clock.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await sampler;
        self.Refresh();
        var processCores = (self.TotalProcessorTime - cpu).TotalSeconds / wall;
        var tableCores = (azurite.CpuTime() - tableCpu).TotalSeconds / wall;
        var queueCores = (azurite.QueueCpuTime() - queueCpu).TotalSeconds / wall;

        var calls = sandbox.Calls;
        var placed = Math.Max(1, calls.Count);
        var storage = new Dictionary<string, string>();
        foreach (var (label, port) in new[] { ("table", azurite.TablePort), ("queue", azurite.QueuePort) })
        {
            foreach (var method in new[] { "GET", "PUT", "POST", "PATCH", "MERGE", "DELETE" })
            {
                var (ops, ms) = meter.To(port, method);
                if (ops > 0)
                {
                    storage[$"{label} {method}"] = string.Create(CultureInfo.InvariantCulture, $"{ops / (double)placed:0.0}/call, {ms:0.0} ms");
                }
            }
        }

        var postsToSynthflow = sandbox.CountRequests("POST", "/v2/calls");
        var starts = calls.Select(c => c.StartTime).Order().ToArray();
        var span = starts.Length > 1 ? (starts[^1] - starts[0]).TotalSeconds : double.NaN;
        var rate = starts.Length > 1 ? (starts.Length - 1) / span : double.NaN;

        // The steady state: the middle 80% of starts (no ramp-up, no tail).
        var lo = starts.Length / 10;
        var hi = Math.Max(lo, (starts.Length * 9 / 10) - 1);
        var steady = hi > lo ? (hi - lo) / (starts[hi] - starts[lo]).TotalSeconds : double.NaN;

        // The worst one-second window of starts (CAPS is per rolling second) and the largest gap between two starts.
        var maxPerSecond = 0;
        var maxGapMs = 0.0;
        for (int i = 0, j = 0; i < starts.Length; i++)
        {
            while (starts[i] - starts[j] >= TimeSpan.FromSeconds(1))
            {
                j++;
            }

            maxPerSecond = Math.Max(maxPerSecond, i - j + 1);
            if (i > 0)
            {
                maxGapMs = Math.Max(maxGapMs, (starts[i] - starts[i - 1]).TotalMilliseconds);
            }
        }

        // Starts in each second from the first (where the rate dips, and when).
        var perSecond = starts.Length == 0 ? [] : new int[(int)(starts[^1] - starts[0]).TotalSeconds + 1];
        foreach (var start in starts)
        {
            perSecond[(int)(start - starts[0]).TotalSeconds]++;
        }

        var duplicates = calls.Count - calls.Select(c => c.LeadPhoneNumber).Distinct(StringComparer.Ordinal).Count();
        var r = new Figures(
            size, state, counts, calls.Count, rate, steady, maxPerSecond, maxGapMs, sandbox.RateLimitedCalls, sandbox.CallsRefusedByCaps, sandbox.CallsRefusedByConcurrency,
            duplicates, maxLive, postsToSynthflow, storage, peakMb, Math.Max(peakBefore, PeakWorkingSetMb(self)), createSeconds, span, wall, processCores, tableCores, queueCores, Machine.LoadAverage(), perSecond);

        var table = new TextTable("recipients", "state", "calls placed", "start rate /s", "steady (10–90%) /s", "max starts in 1 s", "max gap ms", "429s (caps/conc.)", "numbers dialled twice", "max live", "peak WS MB (run)", "create s", "dial span s", "wall s", "process cores", "Azurite table cores", "Azurite queue cores");
        table.Row(size, state, r.CallsPlaced, r.StartRate, r.SteadyRate, r.MaxStartsInOneSecond, r.MaxGapMs, $"{r.RateLimited} ({r.RefusedByCaps}/{r.RefusedByConcurrency})", r.Duplicates, r.MaxLive, r.PeakWorkingSetMb, r.CreateSeconds, r.DialSpanSeconds, r.WallSeconds, r.ProcessCores, r.TableCores, r.QueueCores);
        Console.WriteLine();
        context.Report.Show($"Campaigns: {size:N0} recipients, CAPS {Caps}/s, {Concurrency} at once, {CallSeconds:0} s calls", table);
        Console.WriteLine($"  counts: {counts}; load {r.LoadAverage}; process peak working set since start {r.ProcessPeakWorkingSetMb:0} MB; working set before the Host started {baselineMb:0} MB");
        var pacing = host.Services.GetRequiredService<SynthflowConnector.Campaigns.PacingCoordinator>();
        Console.WriteLine($"  pacer: {pacing.Writes / (double)Math.Max(1, calls.Count):0.00} record writes per call, {pacing.FullWaits} reservations found every concurrency slot taken, {pacing.WindowWaits} sends held by the local send window");
        Console.WriteLine($"  starts in each second: {string.Join(' ', r.StartsPerSecond)}");
        Console.WriteLine($"  POST /v2/calls at the simulator: {r.PostsToSynthflow}; storage per placed call: {string.Join("; ", storage.Select(m => $"{m.Key} {m.Value}"))}");
        context.Report.Results[$"campaigns-{size}"] = r;

        var n = $"{size:N0} recipients";
        context.Report.Check("campaigns", $"start rate, {n}", Rate(r.StartRate) + $" (steady {Rate(r.SteadyRate)})", $"≥ {TargetRate:0.0}/s", state == "completed" && r.StartRate >= TargetRate);
        context.Report.Check("campaigns", $"sandbox 429s, {n}", r.RateLimited.ToString(CultureInfo.InvariantCulture), "0", r.RateLimited == 0);
        context.Report.Check("campaigns", $"numbers dialled twice, {n}", $"{r.Duplicates} ({r.CallsPlaced} calls for {size})", "0", r.Duplicates == 0 && r.CallsPlaced == size);
        context.Report.Check("campaigns", $"peak working set (Host in-process), {n}", $"{r.PeakWorkingSetMb:0} MB", $"≤ {PeakWorkingSetTargetMb:0} MB", r.PeakWorkingSetMb <= PeakWorkingSetTargetMb);
        context.Report.Check("campaigns", $"max live calls, {n}", r.MaxLive.ToString(CultureInfo.InvariantCulture), $"≤ {Concurrency}", r.MaxLive <= Concurrency);
    }

    private static async Task<string> CreateCampaignAsync(HttpClient toHost, int size, CancellationToken ct)
    {
        var recipients = new List<object>(size);
        for (var i = 0; i < size; i++)
        {
            // Unique US numbers ending in 0 or 9: the simulator completes those (SandboxOutcomes), so one attempt each.
            recipients.Add(new { phone = Phone(i), name = $"Bench Lead {i}", leadTimezone = "Asia/Tokyo" });
        }

        var body = JsonSerializer.Serialize(new
        {
            modelId = SandboxSeed.SalesEastModelId,
            name = $"bench {size}",
            recipients,
            callingHours = new { start = "00:00", end = "23:59", days = EveryDay },
            defaultTimezone = "Asia/Tokyo",
        });
        using var response = await toHost.PostAsync("api/campaigns", new StringContent(body, Encoding.UTF8, "application/json"), ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"campaigns: POST /api/campaigns answered {(int)response.StatusCode}: {text[..Math.Min(text.Length, 2000)]}");
        }

        return JsonDocument.Parse(text).RootElement.GetProperty("campaignId").GetString()!;
    }

    /// <summary>+1 415 7xx xxxx ending in 0 or 9: up to 200,000 unique numbers the simulator completes.</summary>
    internal static string Phone(int i) => string.Create(CultureInfo.InvariantCulture, $"+14157{i / 2:00000}{(i % 2 == 0 ? 0 : 9)}");

    private static async Task<(string State, string Counts)> GetStateAsync(HttpClient toHost, string id, CancellationToken ct)
    {
        using var response = await toHost.GetAsync($"api/campaigns/{id}", ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            return ($"http {(int)response.StatusCode}", text);
        }

        var root = JsonDocument.Parse(text).RootElement;
        return (root.GetProperty("state").GetString() ?? "?", root.TryGetProperty("counts", out var counts) ? counts.GetRawText() : "");
    }

    private static double PeakWorkingSetMb(Process process)
    {
        process.Refresh();
        return process.PeakWorkingSet64 / 1048576.0;
    }

    private static string Rate(double value) => double.IsNaN(value) ? "n/a" : value.ToString("0.00", CultureInfo.InvariantCulture) + "/s";

    internal sealed record Figures(
        int Recipients, string State, string Counts, int CallsPlaced, double StartRate, double SteadyRate, int MaxStartsInOneSecond, double MaxGapMs,
        long RateLimited, long RefusedByCaps, long RefusedByConcurrency, int Duplicates, int MaxLive, int PostsToSynthflow, Dictionary<string, string> StorageByMethod, double PeakWorkingSetMb, double ProcessPeakWorkingSetMb,
        double CreateSeconds, double DialSpanSeconds, double WallSeconds, double ProcessCores, double TableCores, double QueueCores, string LoadAverage, int[] StartsPerSecond)
    {
        public double TargetRate { get; } = CampaignsBenchmark.TargetRate;
    }
}
