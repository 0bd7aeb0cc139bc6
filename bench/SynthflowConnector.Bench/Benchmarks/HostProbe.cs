using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using SynthflowConnector.Bench.Infrastructure;
using SynthflowConnector.Http;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Bench.Benchmarks;

/// <summary>Diagnostics: what the pieces of the list action cost on one thread (best of several batches, µs per op).</summary>
internal static class HostProbe
{
    public static async Task RunAsync(BenchContext context)
    {
        BenchContext.Heading("probe-host: per-operation cost of the list action's pieces, one thread");
        var azurite = await context.AzuriteAsync();
        var sandbox = new SynthflowSandbox(new SandboxOptions { Seed = false });
        sandbox.AddNumber("+12125550100", "PN1");
        sandbox.AddAgent("probe-agent", "Probe", AgentTypes.Outbound, ["+12125550100"]);
        await using var server = await SandboxServer.StartAsync(sandbox);
        await using var host = await InProcessHost.StartAsync(azurite.ConnectionString, server, new Dictionary<string, string?> { ["Synthflow:MaxRequestsPerSecond"] = "10000" });
        using var raw = BenchHttp.Create(server.BaseAddress, 4);
        raw.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sandbox.ApiKey);
        using var toHost = BenchHttp.Create(host.BaseAddress, 4);
        toHost.DefaultRequestHeaders.Add("x-functions-key", InProcessHost.FunctionKey);
        var key = host.Services.GetRequiredService<ConnectorApiKey>();

        await Measure("DI: scope + ConnectorEndpoints", 20_000, () =>
        {
            using var scope = host.Services.CreateScope();
            scope.ServiceProvider.GetRequiredService<ConnectorEndpoints>();
            return Task.CompletedTask;
        });
        await Measure("DI: scope + ISynthflowClient", 20_000, () =>
        {
            using var scope = host.Services.CreateScope();
            scope.ServiceProvider.GetRequiredService<ISynthflowClient>();
            return Task.CompletedTask;
        });
        await Measure("ConnectorApiKey.IsValid", 100_000, () =>
        {
            key.IsValid(InProcessHost.FunctionKey);
            return Task.CompletedTask;
        });
        foreach (var threads in new[] { 1, 2, 16 })
        {
            var clock = Stopwatch.StartNew();
            const int PerThread = 200_000;
            await Task.WhenAll(Enumerable.Range(0, threads).Select(_ => Task.Run(() =>
            {
                for (var i = 0; i < PerThread; i++)
                {
                    key.IsValid(InProcessHost.FunctionKey);
                }
            })));
            Console.WriteLine($"  ConnectorApiKey.IsValid, {threads,2} threads: {clock.Elapsed.TotalMicroseconds / (threads * PerThread) * Math.Min(threads, Environment.ProcessorCount):0.00} µs CPU-equivalent per call");
        }

        var bytes = await raw.GetByteArrayAsync("assistants/probe-agent");
        await Measure("JSON: deserialize assistant envelope", 100_000, () =>
        {
            System.Text.Json.JsonSerializer.Deserialize(bytes, SynthflowJson.Context.EnvelopeAssistantsPage);
            return Task.CompletedTask;
        });
        var factory = host.Services.GetRequiredService<IHttpClientFactory>();
        await Measure("factory HttpClient GET sandbox (typed client's)", 3_000, async () =>
        {
            var client = factory.CreateClient(typeof(ISynthflowClient).Name);
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "assistants/probe-agent"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sandbox.ApiKey);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            await response.Content.ReadAsByteArrayAsync();
        });
        await Measure("raw HttpClient GET sandbox", 3_000, async () =>
        {
            using var response = await raw.GetAsync("assistants/probe-agent");
            await response.Content.ReadAsByteArrayAsync();
        });
        await Measure("SynthflowClient.GetAgentAsync", 3_000, async () =>
        {
            using var scope = host.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<ISynthflowClient>().GetAgentAsync("probe-agent");
        });
        await Measure("Host GET /api/agents/{id}/phone-numbers", 3_000, async () =>
        {
            using var response = await toHost.GetAsync("api/agents/probe-agent/phone-numbers");
            await response.Content.ReadAsByteArrayAsync();
        });
        await Measure("Host GET /api/health", 3_000, async () =>
        {
            using var response = await toHost.GetAsync("api/health");
            await response.Content.ReadAsByteArrayAsync();
        });
    }

    private static async Task Measure(string name, int iterations, Func<Task> op)
    {
        for (var i = 0; i < iterations / 10; i++)
        {
            await op();
        }

        var best = double.MaxValue;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        for (var batch = 0; batch < 5; batch++)
        {
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < iterations / 5; i++)
            {
                await op();
            }

            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds / (iterations / 5));
        }

        var bytes = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)(iterations / 5 * 5);
        Console.WriteLine($"  {name,-45} {best,8:0.0} µs {bytes / 1024,8:0.00} KB");
    }
}
