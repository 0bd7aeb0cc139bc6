using System.Diagnostics;
using System.Globalization;
using SynthflowConnector.Bench.Infrastructure;
using SynthflowConnector.Bench.Reporting;

namespace SynthflowConnector.Bench.Benchmarks;

/// <summary>
/// Issue 6, benchmark 3: the real Host process (<c>dotnet SynthflowConnector.Host.dll</c> from its Release build
/// output), from Process.Start to the first 200 from <c>/api/health</c>; median of 5 (2 with --quick). Both modes:
/// sandbox (no Synthflow key: the built-in simulator starts too) and live (a key set; no Synthflow traffic at start).
/// </summary>
internal static class StartupBenchmark
{
    public static async Task RunAsync(BenchContext context)
    {
        BenchContext.Heading("startup: Host process start to first 200 from /api/health");
        var runs = context.Quick ? 2 : 5;
        var dll = Repository.HostDll(context.HostDll);
        Console.WriteLine($"  Host: {dll}");
        var azurite = await context.AzuriteAsync();

        var modes = new (string Mode, Dictionary<string, string> Env)[]
        {
            ("sandbox", new() { ["Synthflow__ApiKey"] = "" }),
            ("live", new() { ["Synthflow__ApiKey"] = "bench-not-a-real-key", ["Synthflow__Workspace"] = "bench" }),
        };

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(2) };
        var table = new TextTable("mode", "runs", "median ms", "min ms", "max ms", "all ms");
        var summary = new Dictionary<string, object>();
        foreach (var (mode, env) in modes)
        {
            // One unmeasured start first: the OS file cache, not the Host, is what a cold first start would measure.
            await StartOnceAsync(dll, azurite.ConnectionString, env, http, context.CancellationToken);
            var times = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                times.Add(await StartOnceAsync(dll, azurite.ConnectionString, env, http, context.CancellationToken));
            }

            var median = Median(times);
            table.Row(mode, runs, median, times.Min(), times.Max(), string.Join(" ", times.Select(t => t.ToString("0", CultureInfo.InvariantCulture))));
            summary[mode] = new { runs, medianMs = median, timesMs = times };
            context.Report.Check("startup", $"{mode}: start to first 200", $"{median:0} ms (median of {runs})", "≤ 1500 ms", median <= 1500);
        }

        context.Report.Show("Start-up: process start to first 200 from /api/health", table);
        context.Report.Results["startup"] = summary;
    }

    private static async Task<double> StartOnceAsync(string dll, string storage, Dictionary<string, string> env, HttpClient http, CancellationToken cancellationToken)
    {
        var port = Azurite.FreePort();
        var startInfo = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(dll);
        startInfo.Environment["urls"] = $"http://127.0.0.1:{port}";
        startInfo.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        startInfo.Environment["Connector__ApiKey"] = InProcessHost.FunctionKey;
        startInfo.Environment["AzureWebJobsStorage"] = storage;
        startInfo.Environment.Remove("ASPNETCORE_ENVIRONMENT");
        startInfo.Environment.Remove("DOTNET_ENVIRONMENT");
        foreach (var (key, value) in env)
        {
            startInfo.Environment[key] = value;
        }

        var health = new Uri($"http://127.0.0.1:{port}/api/health");
        var output = new System.Text.StringBuilder();
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            while (true)
            {
                if (process.HasExited || clock.Elapsed > TimeSpan.FromSeconds(30))
                {
                    string text;
                    lock (output)
                    {
                        text = output.ToString();
                    }

                    throw new InvalidOperationException($"The Host {(process.HasExited ? $"exited ({process.ExitCode})" : "did not answer in 30 s")}:{Environment.NewLine}{text}");
                }

                try
                {
                    using var response = await http.GetAsync(health, cancellationToken);
                    if ((int)response.StatusCode == 200)
                    {
                        return clock.Elapsed.TotalMilliseconds;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Listening but slower than the 2 s per-try timeout (a loaded machine): try again, the 30 s limit still holds.
                }

                await Task.Delay(5, cancellationToken);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
