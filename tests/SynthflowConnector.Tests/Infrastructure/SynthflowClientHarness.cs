using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Infrastructure;

/// <summary>
/// The real typed client, registered through IHttpClientFactory as in production, talking over a real socket to a
/// sandbox on 127.0.0.1. Logs are captured at Trace level for every category.
/// </summary>
public sealed class SynthflowClientHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private SynthflowClientHarness(SandboxServer server, ServiceProvider services, CapturingLoggerProvider logs)
    {
        Server = server;
        _services = services;
        Logs = logs;
    }

    public SandboxServer Server { get; }

    public SynthflowSandbox Sandbox => Server.Sandbox;

    public CapturingLoggerProvider Logs { get; }

    public ISynthflowClient Client => _services.GetRequiredService<ISynthflowClient>();

    public static async Task<SynthflowClientHarness> StartAsync(
        SynthflowSandbox? sandbox = null,
        IDictionary<string, string?>? settings = null,
        string? apiKey = null)
    {
        var server = await SandboxServer.StartAsync(sandbox ?? new SynthflowSandbox());
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                // No waiting between retries in tests; the backoff shape is covered by its own unit test.
                ["Synthflow:RetryBaseDelay"] = "00:00:00",
                ["Synthflow:MaxRequestsPerSecond"] = "1000",
                ["Synthflow:Workspace"] = server.Sandbox.Workspace,
            })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs))
            .AddSingleton<ISynthflowEndpointProvider>(new FixedSynthflowEndpointProvider(
                new SynthflowEndpoint(server.BaseAddress, apiKey ?? server.Sandbox.ApiKey, isSandbox: true)))
            .AddSynthflowClient()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        return new SynthflowClientHarness(server, services, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await Server.DisposeAsync();
    }
}
