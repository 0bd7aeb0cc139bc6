using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Bench.Infrastructure;

/// <summary>
/// The real Host (its Program.cs, via WebApplicationFactory) on Kestrel at 127.0.0.1, in the Production environment,
/// with Synthflow played by a sandbox on its own loopback port that the harness controls. Exactly how the tests'
/// ConnectorHostHarness runs it: "live" mode whose endpoint is the harness's sandbox (registered from code).
/// </summary>
internal sealed class InProcessHost : IAsyncDisposable
{
    public const string FunctionKey = "bench-function-key-0123456789abcdef";

    private readonly Factory _factory;

    private InProcessHost(Factory factory, SandboxServer? sandbox, Uri baseAddress)
    {
        _factory = factory;
        Sandbox = sandbox;
        BaseAddress = baseAddress;
    }

    /// <summary>The harness's sandbox; null for a Host in sandbox mode (it runs its own).</summary>
    public SandboxServer? Sandbox { get; }

    /// <summary>E.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    public IServiceProvider Services => _factory.Services;

    /// <param name="storage">Azurite connection string.</param>
    /// <param name="sandbox">A started sandbox server.</param>
    /// <param name="settings">Extra settings (":" form), winning over the defaults here.</param>
    public static Task<InProcessHost> StartAsync(string storage, SandboxServer sandbox, IReadOnlyDictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Synthflow:ApiKey"] = sandbox.Sandbox.ApiKey,
            ["Synthflow:Workspace"] = sandbox.Sandbox.Workspace,
            ["Connector:ApiKey"] = FunctionKey,
            ["AzureWebJobsStorage"] = storage,

            // Issue 12's account pacing would hold a live-mode Host to the pay-as-you-go defaults (1 call/s, 5 at once);
            // the harness's sandbox is an unlimited (Enterprise-like) account, so unpaced, as in the tests' harness.
            ["Synthflow:CallsPerSecond"] = "0",
            ["Synthflow:MaxConcurrentCalls"] = "0",

            // The Host logs one Information line per placed call; thousands a second on the harness's console would
            // measure the terminal. Warnings and errors still show.
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        // WebApplicationFactory finds the content root through MvcTestingAppManifest.json in the *current* directory
        // (the test runner's bin folder); the harness runs from anywhere, so name it (the Host project, as in tests).
        Environment.SetEnvironmentVariable(
            "ASPNETCORE_TEST_CONTENTROOT_SYNTHFLOWCONNECTOR_HOST",
            Path.Combine(Repository.Root, "src", "SynthflowConnector.Host"));
        var factory = new Factory(all, new SynthflowEndpoint(sandbox.BaseAddress, sandbox.Sandbox.ApiKey, isSandbox: false, sandbox.Sandbox.Workspace));
        factory.UseKestrel();
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return Task.FromResult(new InProcessHost(factory, sandbox, new Uri(address.TrimEnd('/') + "/")));
    }

    /// <summary>
    /// The real Host in sandbox mode (no <c>Synthflow__ApiKey</c>), exactly what <c>./build.sh run</c> starts: its
    /// built-in simulator stands in for Synthflow, and callbacks may go to loopback over http (the same sender and
    /// connect-time check as live mode, loopback allowed).
    /// </summary>
    public static Task<InProcessHost> StartSandboxModeAsync(string storage, IReadOnlyDictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Synthflow:ApiKey"] = "",
            ["Connector:ApiKey"] = FunctionKey,
            ["AzureWebJobsStorage"] = storage,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        Environment.SetEnvironmentVariable(
            "ASPNETCORE_TEST_CONTENTROOT_SYNTHFLOWCONNECTOR_HOST",
            Path.Combine(Repository.Root, "src", "SynthflowConnector.Host"));
        var factory = new Factory(all, endpoint: null);
        factory.UseKestrel();
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return Task.FromResult(new InProcessHost(factory, sandbox: null, new Uri(address.TrimEnd('/') + "/")));
    }

    public async ValueTask DisposeAsync() => await _factory.DisposeAsync();

    private sealed class Factory(IDictionary<string, string?> settings, SynthflowEndpoint? endpoint) : WebApplicationFactory<global::Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // WebApplicationFactory defaults to Development; measure what ships.
            builder.UseEnvironment(Environments.Production);
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            if (endpoint is not null)
            {
                builder.ConfigureTestServices(services =>
                    services.AddSingleton<ISynthflowEndpointProvider>(new FixedSynthflowEndpointProvider(endpoint)));
            }
        }
    }
}

/// <summary>Clients for the load loops: pooled loopback connections, nothing the Host does not need.</summary>
internal static class BenchHttp
{
    public static HttpClient Create(Uri baseAddress, int connections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        UseCookies = false,
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(60),
    };
}
