using System.Diagnostics;

namespace SynthflowConnector.Bench.Load;

/// <summary>What one request of a load case is: built fresh per request (so bodies and keys can be unique).</summary>
/// <param name="Worker">0 … workers − 1.</param>
/// <param name="Sequence">The worker's request number.</param>
internal delegate HttpRequestMessage RequestFactory(int Worker, long Sequence);

/// <summary>
/// A closed-loop load generator: N workers, each sending one request at a time as fast as answers come back. Latency
/// is Stopwatch ticks from just before SendAsync to the whole body read, into per-worker preallocated arrays
/// (no locks, no allocation per sample); the warm-up's samples are dropped.
/// </summary>
internal static class LoadRunner
{
    public static async Task<LoadResult> RunAsync(string name, HttpClient client, RequestFactory factory, int workers, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var stopAt = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var samples = new long[workers][];
        var counts = new int[workers];
        var errors = new int[workers];
        string? firstError = null;

        // CPU time of this whole process (client, Host, sandbox) over the measured window: unlike latency, it barely moves
        // when other processes compete for the cores, so it compares builds fairly on a busy machine.
        var cpu = Task.Run(async () =>
        {
            await Task.Delay(TimeSpan.FromTicks(Math.Max(0, (measureFrom - Stopwatch.GetTimestamp()) * TimeSpan.TicksPerSecond / Stopwatch.Frequency)), cancellationToken);
            using var self = Process.GetCurrentProcess();
            var before = self.TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var gen0 = GC.CollectionCount(0);
            var gen2 = GC.CollectionCount(2);
            await Task.Delay(duration, cancellationToken);
            self.Refresh();
            return (Cpu: self.TotalProcessorTime - before, Allocated: GC.GetTotalAllocatedBytes(precise: true) - allocated, Gen0: GC.CollectionCount(0) - gen0, Gen2: GC.CollectionCount(2) - gen2);
        });
        var tasks = new Task[workers];
        for (var w = 0; w < workers; w++)
        {
            var worker = w;

            // ~2,000 requests/s per worker for 20 s would be 40,000: start at 65,536 and grow if ever needed.
            samples[worker] = new long[65_536];
            tasks[worker] = Task.Run(
                async () =>
                {
                    long sequence = 0;
                    while (!cancellationToken.IsCancellationRequested)
                    {
                        using var request = factory(worker, sequence++);
                        var sent = Stopwatch.GetTimestamp();
                        if (sent >= stopAt)
                        {
                            break;
                        }

                        var ok = false;
                        try
                        {
                            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
                            ok = response.IsSuccessStatusCode;
                            if (!ok && firstError is null)
                            {
                                firstError = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}";
                            }
                        }
                        catch (HttpRequestException exception)
                        {
                            firstError ??= exception.Message;
                        }

                        var done = Stopwatch.GetTimestamp();
                        if (sent < measureFrom)
                        {
                            continue;
                        }

                        if (!ok)
                        {
                            errors[worker]++;
                            continue;
                        }

                        ref var buffer = ref samples[worker];
                        if (counts[worker] == buffer.Length)
                        {
                            Array.Resize(ref buffer, buffer.Length * 2);
                        }

                        buffer[counts[worker]++] = done - sent;
                    }
                },
                cancellationToken);
        }

        await Task.WhenAll(tasks);
        var (cpuTime, allocatedBytes, gen0, gen2) = await cpu;
        var all = new long[counts.Sum()];
        var offset = 0;
        for (var w = 0; w < workers; w++)
        {
            Array.Copy(samples[w], 0, all, offset, counts[w]);
            offset += counts[w];
        }

        return LoadResult.From(name, all, errors.Sum(), duration, firstError) with
        {
            CpuMicrosecondsPerRequest = all.Length == 0 ? double.NaN : cpuTime.TotalMicroseconds / all.Length,
            // The process-wide counter can step back when thread-pool threads retire (seen with one client): n/a then.
            AllocatedKilobytesPerRequest = all.Length == 0 || allocatedBytes <= 0 ? double.NaN : allocatedBytes / 1024.0 / all.Length,
            Gen0Collections = gen0,
            Gen2Collections = gen2,
        };
    }
}

/// <summary>Latency percentiles (ms, nearest rank over every sample) and throughput of one case.</summary>
internal sealed record LoadResult(string Case, int Requests, int Errors, double RequestsPerSecond, double P50, double P95, double P99, double Max, double Mean, string? FirstError)
{
    /// <summary>Process CPU time (all threads: client, Host, sandbox) per completed request in the window, µs.</summary>
    public double CpuMicrosecondsPerRequest { get; init; }

    /// <summary>Managed allocation of the whole process per completed request in the window, KB (deterministic: compares builds on a busy machine).</summary>
    public double AllocatedKilobytesPerRequest { get; init; }

    public int Gen0Collections { get; init; }

    public int Gen2Collections { get; init; }

    public static LoadResult From(string name, long[] ticks, int errors, TimeSpan window, string? firstError)
    {
        Array.Sort(ticks);
        double Ms(long t) => t * 1000.0 / Stopwatch.Frequency;
        double Percentile(double p) => NearestRank.Of(ticks, p) is { } t ? Ms(t) : double.NaN;
        return new LoadResult(
            name,
            ticks.Length,
            errors,
            ticks.Length / window.TotalSeconds,
            Percentile(0.50),
            Percentile(0.95),
            Percentile(0.99),
            ticks.Length == 0 ? double.NaN : Ms(ticks[^1]),
            ticks.Length == 0 ? double.NaN : ticks.Average(t => Ms(t)),
            firstError);
    }
}
