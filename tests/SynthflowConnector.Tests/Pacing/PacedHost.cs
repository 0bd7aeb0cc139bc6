using Azure.Data.Tables;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Hooks;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Storage;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Infrastructure;
using SynthflowConnector.Tests.Storage;

namespace SynthflowConnector.Tests.Pacing;

/// <summary>
/// A real Host (Kestrel, Azurite) whose Synthflow is a sandbox the test shares between Hosts, on one fake clock, with its
/// pacing record in a table the test names (two Hosts given the same name share it) and webhooks sent to the Host itself.
/// </summary>
internal static class PacedHost
{
    public const string Agent = "agent-outbound";
    public const string Secret = "whsec-pacing-5d1e";

    public static readonly DateTimeOffset Start = new(2025, 6, 2, 9, 0, 0, TimeSpan.Zero);

    public static SynthflowSandbox Sandbox(FakeTimeProvider clock, int? caps, int? concurrency, TimeSpan callDuration)
    {
        var sandbox = new SynthflowSandbox(
            new SandboxOptions { Seed = false, CallDuration = callDuration, CallsPerSecond = caps, MaxConcurrentCalls = concurrency, WebhookSecret = Secret },
            clock);
        sandbox.AddNumber("+14155550101", "PN" + new string('a', 32));
        sandbox.AddAgent(Agent, "Sales", AgentTypes.Outbound, ["+14155550101"]);
        return sandbox;
    }

    public static Task<ConnectorHostHarness> StartAsync(
        AzuriteFixture azurite,
        SynthflowSandbox sandbox,
        FakeTimeProvider clock,
        string pacingTable,
        IDictionary<string, string?> settings,
        RequestCountingPolicy? counter = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Synthflow:WebhookSecret"] = Secret,
            ["Hooks:SweepEnabled"] = "false",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return ConnectorHostHarness.StartAsync(azurite, sandbox, all, clock, services =>
        {
            if (counter is not null)
            {
                services.AddSingleton(sp => new ConnectorTables(sp.GetRequiredService<IConfiguration>(), StorageTestOptions.Counting(counter)));
            }

            services.AddSingleton<IAccountPacingStore>(sp => new TableAccountPacingStore(sp.GetRequiredService<ConnectorTables>()) { TableName = pacingTable });
            services.AddSingleton<IWebhookReceiverAddress>(sp => new OwnReceiver(sp));
        });
    }

    public static async Task<HttpResponseMessage> MakeCallAsync(ConnectorHostHarness host, int index)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/calls", UriKind.Relative))
        {
            Content = HttpAssert.Json(new { modelId = Agent, phone = $"+1617555{index:D4}", name = "Ada" }),
        };
        return await host.Client.SendAsync(request);
    }

    /// <summary>Runs the requests, moving the clock only when every unfinished one sleeps in a pacer; samples the sandbox after each settle.</summary>
    public static async Task<HttpResponseMessage[]> PumpAsync(FakeTimeProvider clock, IReadOnlyList<ConnectorHostHarness> hosts, IReadOnlyList<Task<HttpResponseMessage>> requests, Action? afterSettle = null)
    {
        var coordinators = hosts.Select(h => h.Services.GetRequiredService<PacingCoordinator>()).ToList();
        await ClockPump.RunAsync(
            clock,
            () => requests.Count(r => !r.IsCompleted),
            () => coordinators.Sum(c => c.SleepingCallers),
            () => PacingRig.Min([.. coordinators.Select(c => c.NextWakeAt)]),
            TimeSpan.FromMilliseconds(5),
            TimeSpan.FromMinutes(10),
            afterSettle);
        return await Task.WhenAll(requests);
    }

    /// <summary>Start times of the calls the sandbox placed (POST /v2/calls answered 2xx), on the sandbox's clock.</summary>
    public static List<DateTimeOffset> PlacedStarts(SynthflowSandbox sandbox) =>
        [.. sandbox.Requests.Where(r => r.Method == "POST" && r.Path.EndsWith("/calls", StringComparison.Ordinal) && r.StatusCode is >= 200 and < 300).Select(r => r.At)];

    /// <summary>The receiver on the Host's own listening address (live mode has no such default; tests have no public URL).</summary>
    private sealed class OwnReceiver(IServiceProvider services) : IWebhookReceiverAddress
    {
        public Uri? ReceiverUrl =>
            services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } address
                ? new Uri(new Uri(address.Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal)), "/api/webhooks/synthflow")
                : null;
    }

    public static TableClient PacingTable(AzuriteFixture azurite, string name) => azurite.CreateTableClient(name);
}
