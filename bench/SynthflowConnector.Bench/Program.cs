using System.CommandLine;
using System.Diagnostics;
using SynthflowConnector.Bench.Benchmarks;
using SynthflowConnector.Bench.Infrastructure;
using SynthflowConnector.Bench.Reporting;

namespace SynthflowConnector.Bench;

/// <summary>
/// The benchmarks of issue 6, issue 11's hooks and issue 12's campaigns (figures in bench/RESULTS.md). <c>all</c> runs the set (README: <c>./build.sh bench</c>);
/// <c>--quick</c> is the CI smoke run. Exit code 0 when every benchmark ran, whether its targets were met or not (they
/// are printed and recorded); 1 when one could not run (an error, a failed request, a request count off the minimum).
/// </summary>
internal static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        var quick = new Option<bool>("--quick") { Description = "Short runs and small sizes (a smoke test, under a minute).", Recursive = true };
        var output = new Option<string?>("--out") { Description = "Where to write the JSON results (default: bench/results/<command>.json).", Recursive = true };
        var hostDll = new Option<string?>("--host-dll") { Description = "The Host's built SynthflowConnector.Host.dll for the start-up benchmark (default: found next to the harness's build).", Recursive = true };
        var pools = new Option<int[]>("--pools") { Description = "Reconcile: pool counts to run (default 100 1000 10000; --quick: 100).", AllowMultipleArgumentsPerToken = true, Recursive = true };
        var only = new Option<string?>("--case") { Description = "Actions: run only the cases whose name contains this text (profiling).", Recursive = true, Hidden = true };
        var seconds = new Option<double?>("--seconds") { Description = "Actions: seconds measured per case, split over the rounds (default 20; --quick: 1.5). Hooks: seconds per phase at 200/s (default 30 and 20; --quick: 1 and 0.5).", Recursive = true };
        var rate = new Option<double?>("--rate") { Description = "Hooks: webhooks per second in the measured phases (default 200).", Recursive = true };
        var repeat = new Option<int?>("--repeat") { Description = "Reconcile: runs per pool count, the median is reported (default 3, and 1 at 10,000 pools; --quick: 1).", Recursive = true };

        var recipients = new Option<int[]>("--recipients") { Description = "Campaigns: campaign sizes to run (default 1000 10000; --quick: 200).", AllowMultipleArgumentsPerToken = true, Recursive = true };
        var setting = new Option<string[]>("--setting") { Description = "Campaigns: extra Host settings as Key=Value (\":\" form), e.g. Campaigns:MaxParallelDials=8.", Recursive = true, Hidden = true };

        var root = new RootCommand("SynthflowConnector benchmarks (issue 6): the real Host, the Synthflow sandbox and Azurite on this machine.");
        root.Options.Add(quick);
        root.Options.Add(output);
        root.Options.Add(hostDll);
        root.Options.Add(pools);
        root.Options.Add(repeat);
        root.Options.Add(only);
        root.Options.Add(seconds);
        root.Options.Add(rate);
        root.Options.Add(recipients);
        root.Options.Add(setting);

        Add("startup", "Host process start to the first 200 from /api/health, median of 5.", StartupBenchmark.RunAsync);
        Add("actions", "Host overhead on the list and call actions against the sandbox direct; 16 clients, 20 s per case.", ActionsBenchmark.RunAsync);
        Add("reconcile", "Reconcile 100, 1,000 and 10,000 pools with drift; sandbox latency 50 ms, 200 requests/s, 16 in parallel; and the sequential baseline.", ReconcileBenchmark.RunAsync);
        Add("hooks", "The call-ended trigger: signed webhooks at 200/s, 3 subscriptions on a loopback receiver; ack and delivery latency; zero loss with 10% callback failures.", HooksBenchmark.RunAsync);
        Add("campaigns", "A campaign of 1,000 and 10,000 recipients through the Host; sandbox CAPS 20/s, 50 at once, 2 s calls; start rate, 429s, duplicate dials, peak working set.", CampaignsBenchmark.RunAsync);
        Add("probe-storage", "Diagnostics: Azurite latency by table size.", StorageProbe.RunAsync, hidden: true);
        Add("probe-host", "Diagnostics: the list action's pieces, one thread.", HostProbe.RunAsync, hidden: true);
        Add("all", "startup, actions, reconcile, hooks and campaigns (about 17 minutes on 2 cores).", async context =>
        {
            // Each starts on a compacted heap: the garbage of the one before (actions leaves ~150,000 simulator calls)
            // is collected here, not in a gen2 pause inside the next one's measured phases.
            foreach (var benchmark in new Func<BenchContext, Task>[] { StartupBenchmark.RunAsync, ActionsBenchmark.RunAsync, ReconcileBenchmark.RunAsync, HooksBenchmark.RunAsync, CampaignsBenchmark.RunAsync })
            {
                GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                await benchmark(context);
            }
        });

        // The reconcile benchmark's child process: one measured run, its result as JSON in --result.
        var childPools = new Option<int>("--pool-count") { Required = true };
        var childParallel = new Option<int>("--parallel") { Required = true };
        var childRate = new Option<int>("--rate") { Required = true };
        var childLatency = new Option<int>("--latency-ms") { Required = true };
        var childStorage = new Option<string>("--storage") { Required = true };
        var childResult = new Option<string>("--result") { Required = true };
        var child = new Command(ReconcileBenchmark.ChildCommand, "One reconcile measurement (used by reconcile).") { Hidden = true };
        foreach (var option in new Option[] { childPools, childParallel, childRate, childLatency, childStorage, childResult })
        {
            child.Options.Add(option);
        }

        child.SetAction((parseResult, cancellationToken) => ReconcileBenchmark.MeasureAsync(
            new ReconcileSpec(parseResult.GetValue(childPools), parseResult.GetValue(childParallel), parseResult.GetValue(childRate), parseResult.GetValue(childLatency)),
            parseResult.GetValue(childStorage)!,
            parseResult.GetValue(childResult)!,
            cancellationToken));
        root.Subcommands.Add(child);

        return await root.Parse(args).InvokeAsync();

        void Add(string name, string description, Func<BenchContext, Task> benchmark, bool hidden = false)
        {
            var command = new Command(name, description) { Hidden = hidden };
            command.SetAction(async (parseResult, cancellationToken) =>
            {
                var report = new BenchReport { Command = "bench " + string.Join(' ', args), Quick = parseResult.GetValue(quick) };
                var clock = Stopwatch.StartNew();
                var failed = false;
                var context = new BenchContext(report, report.Quick, parseResult.GetValue(hostDll), cancellationToken)
                {
                    PoolSizes = parseResult.GetValue(pools) is { Length: > 0 } sizes ? sizes : null,
                    Repeat = parseResult.GetValue(repeat),
                    OnlyCase = parseResult.GetValue(only),
                    SecondsPerCase = parseResult.GetValue(seconds),
                    Rate = parseResult.GetValue(rate),
                    Recipients = parseResult.GetValue(recipients) is { Length: > 0 } counts ? counts : null,
                    Settings = (parseResult.GetValue(setting) ?? []).Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => (string?)(p.Length > 1 ? p[1] : null)),
                };
                await using (context)
                {
                    Console.WriteLine($"SynthflowConnector bench {name}{(report.Quick ? " --quick" : "")}: {report.Machine.Cpu}, {report.Machine.LogicalCores} cores, {report.Machine.MemoryGiB} GiB, {report.Machine.Runtime}, load {report.Machine.LoadAverageAtStart}");
                    try
                    {
                        await benchmark(context);
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        failed = true;
                        Console.Error.WriteLine($"BENCHMARK FAILED: {exception}");
                        report.Results["error"] = exception.ToString();
                    }
                }

                report.WallSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
                report.LoadAverageAtEnd = Machine.LoadAverage();
                report.PrintTargets();
                var path = parseResult.GetValue(output) ?? Path.Combine(Repository.Root, "bench", "results", name + (report.Quick ? "-quick" : "") + ".json");
                await report.WriteJsonAsync(path);
                await report.WriteMarkdownAsync(Path.ChangeExtension(path, ".md"));
                Console.WriteLine($"Wall time {report.WallSeconds:0.0} s; results in {path} and {Path.ChangeExtension(path, ".md")}");
                return failed ? 1 : 0;
            });
            root.Subcommands.Add(command);
        }
    }
}
