using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Sandbox;
using Azure.Data.Tables;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Infrastructure;

/// <summary>
/// The real Host (its Program), on Kestrel at 127.0.0.1, with table storage on Azurite and Synthflow played by a
/// sandbox on its own loopback port that the test controls (knobs, request log).
/// </summary>
public sealed class ConnectorHostHarness : IAsyncDisposable
{
    public const string FunctionKey = "test-function-key-0123456789";

    private readonly HostFactory _factory;

    private ConnectorHostHarness(HostFactory factory, SandboxServer server, string callsTable, string poolsTable)
    {
        _factory = factory;
        Server = server;
        CallsTable = callsTable;
        PoolsTable = poolsTable;
        Client = factory.CreateClient();
        Client.DefaultRequestHeaders.Add("x-functions-key", FunctionKey);
        Anonymous = factory.CreateClient();
    }

    public SandboxServer Server { get; }

    public SynthflowSandbox Sandbox => Server.Sandbox;

    /// <summary>A client sending the function key.</summary>
    public HttpClient Client { get; }

    /// <summary>A client sending no key.</summary>
    public HttpClient Anonymous { get; }

    public string CallsTable { get; }

    /// <summary>The pools table (<c>Pools:TableName</c>), unique per harness unless a test passes its own.</summary>
    public string PoolsTable { get; }

    public IServiceProvider Services => _factory.Services;

    public CapturingLoggerProvider Logs => _factory.Logs;

    public static async Task<ConnectorHostHarness> StartAsync(
        AzuriteFixture azurite,
        SynthflowSandbox? sandbox = null,
        IDictionary<string, string?>? settings = null,
        TimeProvider? timeProvider = null,
        Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        var server = await SandboxServer.StartAsync(sandbox ?? new SynthflowSandbox());
        var callsTable = AzuriteFixture.UniqueTableName();
        var all = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Synthflow:ApiKey"] = server.Sandbox.ApiKey,
            ["Synthflow:Workspace"] = server.Sandbox.Workspace,
            ["Synthflow:RetryBaseDelay"] = "00:00:00",
            ["Synthflow:MaxRequestsPerSecond"] = "1000",
            ["Connector:ApiKey"] = FunctionKey,
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Calls:TableName"] = callsTable,
            ["Pools:TableName"] = AzuriteFixture.UniqueTableName(),

            // The hosted reconcile timer runs on wall-clock time: off unless a test drives it (with a fake clock).
            ["Reconcile:Enabled"] = "false",

            // So is the hosted call-end sweep.
            ["Hooks:SweepEnabled"] = "false",
            // Live mode's account pacing (1 call/s, 5 at once) would slow every test's calls: off unless a test sets limits.
            ["Synthflow:CallsPerSecond"] = "0",
            ["Synthflow:MaxConcurrentCalls"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var factory = new HostFactory(all, new SynthflowEndpoint(server.BaseAddress, server.Sandbox.ApiKey, isSandbox: true), timeProvider, configureServices);
        factory.UseKestrel(); // the port comes from "urls" (127.0.0.1:0): UseKestrel(0) races the minimal host over its addresses
        factory.StartServer();
        return new ConnectorHostHarness(factory, server, callsTable, all["Pools:TableName"]!);
    }

    public TableClient CallsTableClient(AzuriteFixture azurite) => azurite.CreateTableClient(CallsTable);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await _factory.DisposeAsync();
        await Server.DisposeAsync();
    }

    private sealed class HostFactory(IDictionary<string, string?> settings, SynthflowEndpoint endpoint, TimeProvider? timeProvider, Action<IServiceCollection>? configureServices) : WebApplicationFactory<Program>
    {
        public CapturingLoggerProvider Logs { get; } = new();

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.AddProvider(Logs));

            // Live mode, but "live" is the test's sandbox: registered from code, as only tests can.
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<ISynthflowEndpointProvider>(new FixedSynthflowEndpointProvider(endpoint));
                if (timeProvider is not null)
                {
                    services.AddSingleton(timeProvider);

                    // On a held clock the queue processors' wake delay would hold every local enqueue until the test
                    // moves the clock; these tests are about what happens, not when (the delay has its own test).
                    services.Configure<SynthflowConnector.Hooks.HookQueueProcessorOptions>(options => options.WakeDelay = TimeSpan.Zero);
                }

                configureServices?.Invoke(services);
            });
        }
    }
}
