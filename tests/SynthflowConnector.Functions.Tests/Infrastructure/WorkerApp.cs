using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SynthflowConnector.Hosting;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Functions.Tests.Infrastructure;

/// <summary>
/// The worker's real composition in sandbox mode (no <c>Synthflow__ApiKey</c>) on the test Azurite, with the sandbox
/// running. The host itself is never started (that needs a Functions host), so the one hosted service the functions
/// depend on, the sandbox, is started here the way the host would start it.
/// </summary>
public sealed class WorkerApp : IAsyncDisposable
{
    private readonly SandboxHost _sandboxHost;

    private WorkerApp(IHost host, SandboxHost sandboxHost, IReadOnlyDictionary<string, string?> settings)
    {
        Host = host;
        _sandboxHost = sandboxHost;
        Settings = settings;
    }

    public IHost Host { get; }

    public IServiceProvider Services => Host.Services;

    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>The simulated Synthflow workspace the worker talks to (seeded like every fresh sandbox).</summary>
    public SynthflowSandbox Sandbox => _sandboxHost.Sandbox;

    /// <summary>
    /// The settings a test worker runs with: the test Azurite, tables of its own, no retry waits; no Synthflow API key,
    /// so sandbox mode. <paramref name="overrides"/> win (a null value removes a setting).
    /// </summary>
    public static Dictionary<string, string?> TestSettings(AzuriteFixture azurite, IDictionary<string, string?>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Calls:TableName"] = AzuriteFixture.UniqueTableName(),
            ["Pools:TableName"] = AzuriteFixture.UniqueTableName(),
            ["Synthflow:RetryBaseDelay"] = "00:00:00",
            ["Synthflow:MaxRequestsPerSecond"] = "1000",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                settings.Remove(key);
            }
            else
            {
                settings[key] = value;
            }
        }

        return settings;
    }

    public static async Task<WorkerApp> StartAsync(AzuriteFixture azurite, IDictionary<string, string?>? overrides = null)
    {
        var settings = TestSettings(azurite, overrides);
        var host = FunctionsWorker.Build(settings);
        try
        {
            var sandboxHost = host.Services.GetRequiredService<SandboxHost>();
            await sandboxHost.StartAsync(CancellationToken.None);
            return new WorkerApp(host, sandboxHost, settings);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sandboxHost.StopAsync(CancellationToken.None);
        if (Host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            Host.Dispose();
        }
    }
}
