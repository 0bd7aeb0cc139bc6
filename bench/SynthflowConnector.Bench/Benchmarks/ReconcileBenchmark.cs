using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using SynthflowConnector.Bench.Infrastructure;
using SynthflowConnector.Bench.Load;
using SynthflowConnector.Bench.Reporting;
using SynthflowConnector.Pools;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Bench.Benchmarks;

/// <summary>What one reconcile run is asked to do (the parent passes it to a child process).</summary>
internal sealed record ReconcileSpec(int Pools, int Parallel, int Rate, int LatencyMs);

/// <summary>What one reconcile run measured.</summary>
internal sealed record ReconcileMeasurement
{
    public required ReconcileSpec Spec { get; init; }
    public required double WallSeconds { get; init; }
    public required Dictionary<string, int> RequestsByKind { get; init; }
    public required int Requests { get; init; }
    public required int MinimalRequests { get; init; }
    public required double BoundSeconds { get; init; }
    public double WallOverBound => WallSeconds / BoundSeconds;
    public required double PeakWorkingSetMb { get; init; }
    public required double PeakManagedHeapMb { get; init; }
    public required long TableOperations { get; init; }
    public required int InSync { get; init; }
    public required int Applied { get; init; }
    public required int Failed { get; init; }
    public required int Other { get; init; }
    public required int AgentsWrong { get; init; }
    public required double SeedSeconds { get; init; }

    /// <summary>From the run's start to the first upstream request: listing the pools (table storage only).</summary>
    public required double FirstRequestSeconds { get; init; }

    /// <summary>From the run's start to the last upstream request's arrival.</summary>
    public required double LastRequestSeconds { get; init; }

    /// <summary>Mean duration of one table operation as the Host's HttpClient saw it.</summary>
    public required double TableOperationMeanMs { get; init; }
}

/// <summary>
/// Issue 6, benchmark 1: one reconcile run over N pools with drift (10% of agents missing a number, 5% with one extra),
/// through the real Host's reconciler (resolved from its DI container) against the sandbox with 50 ms per request,
/// Synthflow__MaxRequestsPerSecond 200 and Reconcile__MaxParallelAgents 16; and the sequential baseline (parallelism 1,
/// no rate limit). Each run is its own child process, so its peak working set is its own.
/// </summary>
internal static class ReconcileBenchmark
{
    public const string ChildCommand = "reconcile-run";
    private const int NumbersPerPool = 3;
    private const int Rate = 200;
    private const int Parallel = 16;
    private const int LatencyMs = 50;

    /// <summary>Settings of the sequential baseline: one agent at a time, the limiter out of the way (its maximum).</summary>
    private const int BaselineRate = 10_000;

    public static async Task RunAsync(BenchContext context)
    {
        BenchContext.Heading($"reconcile: drift 10% missing / 5% extra, sandbox latency {LatencyMs} ms, {Rate} requests/s, {Parallel} agents in parallel");
        Console.WriteLine("  Synthflow's list-assistant items carry no attached_phone_numbers (OpenAPI subset; docs/synthflow): one GET per agent is the only way to read actual state.");
        var azurite = await context.AzuriteAsync();
        int[] sizes = context.PoolSizes ?? (context.Quick ? [100] : [100, 1_000, 10_000]);
        // A sequential run of 10,000 pools would take some 12 minutes: the baseline runs at the sizes up to 1,000 and is
        // extrapolated linearly above (at 100 pools when only larger sizes were asked for).
        int[] baselineSizes = sizes.Any(size => size <= 1_000) ? [.. sizes.Where(size => size <= 1_000)] : [100];
        int Repeats(int size) => context.Repeat ?? (context.Quick || size >= 10_000 ? 1 : 3);

        var runs = new List<ReconcileMeasurement>();
        var table = new TextTable("run", "pools", "par", "rate/s", "wall s", "requests", "minimal", "GET", "PUT", "DELETE", "bound s", "wall/bound", "peak WS MB", "table ops", "applied", "in-sync", "failed");
        foreach (var (size, parallel, rate, label) in sizes.Select(s => (s, Parallel, Rate, "parallel"))
            .Concat(baselineSizes.Select(s => (s, 1, BaselineRate, "baseline"))))
        {
            for (var i = 0; i < (label == "baseline" ? 1 : Repeats(size)); i++)
            {
                var measurement = await RunChildAsync(new ReconcileSpec(size, parallel, rate, LatencyMs), azurite.ConnectionString, context.CancellationToken);
                runs.Add(measurement);
                var m = measurement;
                table.Row(label, size, parallel, rate, m.WallSeconds, m.Requests, m.MinimalRequests, Kind(m, "GET"), Kind(m, "PUT"), Kind(m, "DELETE"), m.BoundSeconds, m.WallOverBound, m.PeakWorkingSetMb, m.TableOperations, m.Applied, m.InSync, m.Failed);
                Console.WriteLine($"  {label} {size} pools: {m.WallSeconds:0.00} s (upstream from {m.FirstRequestSeconds:0.00} s to {m.LastRequestSeconds:0.00} s), {m.Requests} requests (minimal {m.MinimalRequests}), wall/bound {m.WallOverBound:0.000}, peak working set {m.PeakWorkingSetMb:0} MB, {m.TableOperations} table ops of {m.TableOperationMeanMs:0.0} ms mean, set-up {m.SeedSeconds:0.0} s");
                // A wrong end state is an error (the run fails); a request count off the minimum is a missed target.
                if (m.AgentsWrong > 0 || m.Failed > 0 || m.Other > 0)
                {
                    throw new InvalidOperationException($"reconcile {label} {size}: {m.AgentsWrong} agents not in their pool's state, {m.Failed} failed, {m.Other} skipped or deferred.");
                }
            }
        }

        Console.WriteLine();
        context.Report.Show("Reconcile: every run", table);

        // Medians per size.
        ReconcileMeasurement Median(int size, int parallel)
        {
            var list = runs.Where(r => r.Spec.Pools == size && r.Spec.Parallel == parallel).OrderBy(r => r.WallSeconds).ToList();
            return list[list.Count / 2];
        }

        var summary = new TextTable("pools", "runs", "median wall s", "bound s", "wall/bound", "peak WS MB", "baseline s", "speed-up");
        var baselines = baselineSizes.ToDictionary(size => size, size => Median(size, 1).WallSeconds);
        double BaselineFor(int size, out bool extrapolated)
        {
            extrapolated = !baselines.ContainsKey(size);
            if (!extrapolated)
            {
                return baselines[size];
            }

            // Linear through the two largest measured baselines (per-pool cost and fixed cost), as the runs show it is.
            var known = baselines.OrderBy(b => b.Key).ToArray();
            if (known.Length < 2)
            {
                return known[0].Value * size / known[0].Key;
            }

            var (a, b) = (known[^2], known[^1]);
            var slope = (b.Value - a.Value) / (b.Key - a.Key);
            return b.Value + (slope * (size - b.Key));
        }

        var results = new List<object>();
        foreach (var size in sizes)
        {
            var median = Median(size, Parallel);
            var baseline = BaselineFor(size, out var extrapolated);
            var speedup = baseline / median.WallSeconds;
            summary.Row(size, runs.Count(r => r.Spec.Pools == size && r.Spec.Parallel == Parallel), median.WallSeconds, median.BoundSeconds, median.WallOverBound, median.PeakWorkingSetMb, extrapolated ? $"{baseline:0} (extrapolated)" : TextTable.Fmt(baseline), speedup);
            results.Add(new { pools = size, median, baselineSeconds = baseline, baselineExtrapolated = extrapolated, speedup });
            var offMinimum = runs.Where(r => r.Spec.Pools == size).Select(r => r.Requests - r.MinimalRequests).Where(d => d != 0).ToArray();
            context.Report.Check("reconcile", $"{size} pools: requests == minimal (every run)", offMinimum.Length == 0 ? $"{median.Requests} / {median.MinimalRequests}" : $"off by {string.Join(", ", offMinimum)}", "equal", offMinimum.Length == 0);
            context.Report.Check("reconcile", $"{size} pools: peak working set", $"{median.PeakWorkingSetMb:0} MB", "≤ 300 MB", median.PeakWorkingSetMb <= 300);
            context.Report.Check("reconcile", $"{size} pools: vs sequential baseline", $"{speedup:0.0}×{(extrapolated ? " (baseline extrapolated)" : "")}", "≥ 10×", speedup >= 10);
            if (size == 10_000)
            {
                context.Report.Check("reconcile", "10000 pools: wall / bound", median.WallOverBound.ToString("0.000", CultureInfo.InvariantCulture), "≤ 1.15", median.WallOverBound <= 1.15);
            }
        }

        if (sizes.Contains(1_000) && sizes.Contains(10_000))
        {
            var growth = Median(10_000, Parallel).WallSeconds / Median(1_000, Parallel).WallSeconds;
            context.Report.Check("reconcile", "wall 10000 / wall 1000", $"{growth:0.00}×", "≤ 11×", growth <= 11);
            results.Add(new { growth10kOver1k = growth });
        }

        Console.WriteLine();
        context.Report.Show("Reconcile: medians and the sequential baseline", summary);
        context.Report.Results["reconcile"] = new { runs, summary = results };
    }

    private static int Kind(ReconcileMeasurement m, string kind) => m.RequestsByKind.GetValueOrDefault(kind);

    /// <summary>Runs one measurement in a fresh process of this harness (so peak memory is that run's alone).</summary>
    private static async Task<ReconcileMeasurement> RunChildAsync(ReconcileSpec spec, string storage, CancellationToken cancellationToken)
    {
        var output = Path.Combine(Path.GetTempPath(), $"bench-reconcile-{Guid.NewGuid():N}.json");
        var processPath = Environment.ProcessPath ?? "dotnet";
        var startInfo = new ProcessStartInfo(processPath) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            startInfo.ArgumentList.Add(typeof(ReconcileBenchmark).Assembly.Location);
        }

        foreach (var argument in new[]
        {
            ChildCommand, "--pool-count", spec.Pools.ToString(CultureInfo.InvariantCulture), "--parallel", spec.Parallel.ToString(CultureInfo.InvariantCulture),
            "--rate", spec.Rate.ToString(CultureInfo.InvariantCulture), "--latency-ms", spec.LatencyMs.ToString(CultureInfo.InvariantCulture),
            "--storage", storage, "--result", output,
        })
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start the reconcile run.");
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        if (process.ExitCode != 0 || !File.Exists(output))
        {
            throw new InvalidOperationException($"The reconcile run ({spec}) failed with exit code {process.ExitCode}.");
        }

        await using var stream = File.OpenRead(output);
        var measurement = await JsonSerializer.DeserializeAsync<ReconcileMeasurement>(stream, BenchReport.Json, cancellationToken)
            ?? throw new InvalidOperationException("The reconcile run wrote no result.");
        File.Delete(output);
        return measurement;
    }

    /// <summary>The child: seed, start the Host, warm it up, time one reconcile run, count and check, write the result.</summary>
    public static async Task<int> MeasureAsync(ReconcileSpec spec, string storage, string resultPath, CancellationToken cancellationToken)
    {
        var seedClock = Stopwatch.StartNew();
        var sandbox = new SynthflowSandbox(new SandboxOptions { Seed = false }) { Latency = TimeSpan.FromMilliseconds(spec.LatencyMs) };
        var poolsTable = Azurite.UniqueTableName("benchpools");
        var desired = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (missing, extras) = (0, 0);
        var numberSeed = 0;
        string NextNumber() => $"+1{200 + (numberSeed / 10_000_000) % 700}{numberSeed++ % 10_000_000:0000000}";

        // Drift, spread evenly: of every 20 agents, 2 lack one pool number and 1 has one number too many.
        for (var i = 0; i < spec.Pools + Warmup.Length; i++)
        {
            var modelId = i < spec.Pools ? $"pool-agent-{i:00000}" : Warmup[i - spec.Pools];
            var pool = new string[NumbersPerPool];
            for (var n = 0; n < NumbersPerPool; n++)
            {
                pool[n] = NextNumber();
                sandbox.AddNumber(pool[n], "PN" + numberSeed.ToString("x32", CultureInfo.InvariantCulture));
            }

            var drift = i < spec.Pools ? i % 20 : i - spec.Pools; // warm-up agents: in sync, missing, extra, in sync
            IEnumerable<string> attached = pool;
            if (drift is 0 or 1)
            {
                attached = pool.Skip(1);
                missing += i < spec.Pools ? 1 : 0;
            }
            else if (drift == 2)
            {
                var extra = NextNumber();
                sandbox.AddNumber(extra, "PN" + numberSeed.ToString("x32", CultureInfo.InvariantCulture));
                attached = [.. pool, extra];
                extras += i < spec.Pools ? 1 : 0;
            }

            sandbox.AddAgent(modelId, $"Pool agent {i}", AgentTypes.Outbound, attached);
            desired[modelId] = pool;
        }

        await using var server = await SandboxServer.StartAsync(sandbox, cancellationToken);

        // Desired state straight into the table (in parallel): the HTTP API would only slow the set-up down.
        var table = new TableClient(storage, poolsTable);
        await table.CreateIfNotExistsAsync(cancellationToken);
        await System.Threading.Tasks.Parallel.ForEachAsync(desired, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (pair, ct) =>
            await table.AddEntityAsync(
                new PoolDesiredEntity { PartitionKey = pair.Key, PhoneNumbers = string.Join(',', pair.Value), Mode = PoolModes.Exact, UpdatedAt = DateTimeOffset.UtcNow },
                ct));

        await using var host = await InProcessHost.StartAsync(storage, server, new Dictionary<string, string?>
        {
            ["Synthflow:MaxRequestsPerSecond"] = spec.Rate.ToString(CultureInfo.InvariantCulture),
            ["Reconcile:MaxParallelAgents"] = spec.Parallel.ToString(CultureInfo.InvariantCulture),
            ["Reconcile:Enabled"] = "false", // no scheduled run beside the measured one
            ["Reconcile:MaxRunDuration"] = "01:00:00",
            ["Pools:TableName"] = poolsTable,
            ["Calls:TableName"] = Azurite.UniqueTableName("benchcalls"),
        });
        var reconciler = host.Services.GetRequiredService<IPoolReconciler>();
        var store = host.Services.GetRequiredService<IPoolStore>();

        // Warm-up (JIT, connections, the table client): reconcile the four warm-up agents one by one, then remove their
        // pools so the measured run never sees them, and forget their requests.
        foreach (var modelId in Warmup)
        {
            await reconciler.ReconcileAsync(modelId, force: false, cancellationToken);
            await store.DeleteAsync(modelId, ifMatch: null, cancellationToken);
        }

        seedClock.Stop();
        sandbox.ClearRequests();
        using var meter = new HttpClientMeter();
        var azuritePort = new Uri(storage.Split("TableEndpoint=")[1].TrimEnd(';')).Port;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ResetPeakWorkingSet();
        using var sampler = new HeapSampler();

        var started = sandbox.TimeProvider.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var summary = await reconciler.RunAsync(cancellationToken);
        clock.Stop();

        var peakWorkingSet = PeakWorkingSetMb();
        var peakHeap = sampler.Stop();
        var (tableOps, tableMs) = meter.To(azuritePort);
        var requests = sandbox.Requests;
        var byKind = requests.GroupBy(r => r.Method.ToUpperInvariant() switch
        {
            "GET" when r.Path.Count(c => c == '/') == 3 && r.Path.StartsWith("/v2/assistants/", StringComparison.Ordinal) => "GET",
            "PUT" => "PUT",
            "DELETE" => "DELETE",
            var method => $"{method} {r.Path}",
        }).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        // Minimal: one read per agent, one PUT per agent missing numbers, one DELETE per extra, one verifying read per
        // changed agent. The agents are disjoint (no agent both misses and has extras).
        var minimal = spec.Pools + missing + extras + (missing + extras);
        var bound = Math.Max(minimal / (double)spec.Rate, minimal * (spec.LatencyMs / 1000.0) / spec.Parallel);
        var wrong = desired.Count(pair => !Warmup.Contains(pair.Key)
            && !(sandbox.GetAgent(pair.Key)?.AttachedPhoneNumbers ?? []).Select(n => n.Number).Order(StringComparer.Ordinal).SequenceEqual(pair.Value.Order(StringComparer.Ordinal)));

        var measurement = new ReconcileMeasurement
        {
            Spec = spec,
            WallSeconds = clock.Elapsed.TotalSeconds,
            RequestsByKind = byKind,
            Requests = requests.Count,
            MinimalRequests = minimal,
            BoundSeconds = bound,
            PeakWorkingSetMb = peakWorkingSet,
            PeakManagedHeapMb = peakHeap,
            TableOperations = tableOps,
            InSync = summary.InSync,
            Applied = summary.Applied,
            Failed = summary.Failed + summary.AgentMissing + summary.Blocked,
            Other = summary.Skipped + summary.Deferred,
            AgentsWrong = wrong,
            SeedSeconds = seedClock.Elapsed.TotalSeconds,
            FirstRequestSeconds = requests.Count == 0 ? 0 : (requests.Min(r => r.At) - started).TotalSeconds,
            LastRequestSeconds = requests.Count == 0 ? 0 : (requests.Max(r => r.At) - started).TotalSeconds,
            TableOperationMeanMs = tableMs,
        };
        await File.WriteAllTextAsync(resultPath, JsonSerializer.Serialize(measurement, BenchReport.Json), cancellationToken);
        await table.DeleteAsync(CancellationToken.None); // Azurite keeps tables in memory: free it for the next run.
        return 0;
    }

    private static readonly string[] Warmup = ["warmup-agent-a", "warmup-agent-b", "warmup-agent-c", "warmup-agent-d"];

    /// <summary>Linux: writing 5 to clear_refs resets VmHWM to the current resident set, so the peak is the run's.</summary>
    private static void ResetPeakWorkingSet()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or not allowed: the peak then covers the set-up too (an upper bound).
        }
    }

    private static double PeakWorkingSetMb()
    {
        if (File.Exists("/proc/self/status"))
        {
            var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is not null)
            {
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64 / 1048576.0;
    }

    /// <summary>Samples the managed heap every 50 ms; <see cref="Stop"/> returns the largest seen, MB.</summary>
    private sealed class HeapSampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<long> _task;

        public HeapSampler() => _task = Task.Run(async () =>
        {
            long peak = 0;
            while (!_stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                try
                {
                    await Task.Delay(50, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }

            return peak;
        });

        public double Stop()
        {
            _stop.Cancel();
            return _task.GetAwaiter().GetResult() / 1048576.0;
        }

        public void Dispose() => _stop.Dispose();
    }
}
