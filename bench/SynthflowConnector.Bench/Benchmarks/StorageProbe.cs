using System.Diagnostics;
using Azure.Data.Tables;
using SynthflowConnector.Calls;

namespace SynthflowConnector.Bench.Benchmarks;

/// <summary>Diagnostics: Azurite's per-operation latency by table size and concurrency (the call action's table work).</summary>
internal static class StorageProbe
{
    public static async Task RunAsync(BenchContext context)
    {
        BenchContext.Heading("probe-storage: Azurite operations by table size and concurrency");
        var azurite = await context.AzuriteAsync();
        var table = azurite.Table(Infrastructure.Azurite.UniqueTableName("probe"));
        await table.CreateIfNotExistsAsync();
        long next = 0;
        foreach (var size in new[] { 100, 5000 })
        {
            // Grow the table to `size` ledger rows (16 at a time).
            while (next < size)
            {
                var batch = Enumerable.Range(0, 16).Select(_ => Interlocked.Increment(ref next)).ToArray();
                await Task.WhenAll(batch.Select(i => table.AddEntityAsync(Ledger(i))));
            }

            foreach (var concurrency in new[] { 1, 16 })
            {
                var ops = 0;
                var ticks = 0L;
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
                {
                    while (clock.Elapsed < TimeSpan.FromSeconds(2))
                    {
                        var i = Interlocked.Increment(ref next);
                        var t0 = Stopwatch.GetTimestamp();
                        await table.AddEntityAsync(Ledger(i));
                        Interlocked.Add(ref ticks, Stopwatch.GetTimestamp() - t0);
                        Interlocked.Increment(ref ops);
                    }
                }));
                Console.WriteLine($"  rows {next,6}  concurrency {concurrency,2}: insert {ops / clock.Elapsed.TotalSeconds,6:0}/s, mean {ticks * 1000.0 / Stopwatch.Frequency / ops:0.00} ms, Azurite RSS {azurite.WorkingSetMb():0} MB");
                ops = 0;
                ticks = 0;
                using var self = Process.GetCurrentProcess();
                var cpuBefore = self.TotalProcessorTime;
                var allocBefore = GC.GetTotalAllocatedBytes(precise: true);
                var azuriteBefore = azurite.CpuTime();
                clock.Restart();
                var rows = next;
                await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async w =>
                {
                    while (clock.Elapsed < TimeSpan.FromSeconds(2))
                    {
                        var key = Ledger(1 + Random.Shared.NextInt64(rows - 1));
                        var t0 = Stopwatch.GetTimestamp();
                        var found = await table.GetEntityIfExistsAsync<CallLedgerEntity>(key.PartitionKey, key.RowKey);
                        Interlocked.Add(ref ticks, Stopwatch.GetTimestamp() - t0);
                        Interlocked.Increment(ref ops);
                        if (!found.HasValue)
                        {
                            throw new InvalidOperationException("missing");
                        }
                    }
                }));
                self.Refresh();
                Console.WriteLine($"  rows {next,6}  concurrency {concurrency,2}: point read {ops / clock.Elapsed.TotalSeconds,6:0}/s, mean {ticks * 1000.0 / Stopwatch.Frequency / ops:0.00} ms, this process {(self.TotalProcessorTime - cpuBefore).TotalMicroseconds / ops:0} µs CPU and {(GC.GetTotalAllocatedBytes(precise: true) - allocBefore) / 1024.0 / ops:0.0} KB per op, Azurite {(azurite.CpuTime() - azuriteBefore).TotalMicroseconds / ops:0} µs CPU per op");
            }
        }
    }

    private static CallLedgerEntity Ledger(long i)
    {
        var key = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i)));
        return new CallLedgerEntity { PartitionKey = "ledger-" + key[..2], RowKey = key, RequestHash = key, ModelId = "m", Phone = "+12125550000", AttemptStartedAt = DateTimeOffset.UtcNow, LeaseUntil = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow };
    }
}
