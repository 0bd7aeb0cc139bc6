using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SynthflowConnector.Sandbox;

/// <summary>
/// Kestrel on 127.0.0.1 and a free port, serving one <see cref="SynthflowSandbox"/> under <c>/v2</c>: a real socket,
/// so clients go through their whole HTTP stack (handlers, connection pooling, timeouts, aborted connections).
/// </summary>
public sealed class SandboxServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    private SandboxServer(WebApplication app, SynthflowSandbox sandbox, Uri baseAddress)
    {
        _app = app;
        Sandbox = sandbox;
        BaseAddress = baseAddress;
    }

    public SynthflowSandbox Sandbox { get; }

    /// <summary>E.g. <c>http://127.0.0.1:54321/v2/</c>; ends with a slash so relative URIs such as <c>assistants/x</c> resolve under it.</summary>
    public Uri BaseAddress { get; }

    public static async Task<SandboxServer> StartAsync(SynthflowSandbox sandbox, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sandbox);

        // Production environment: no development-only features (static web assets, developer pages) in a test double.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);

        // Its whole configuration is its address: ambient settings (ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS in container
        // images, an appsettings.json next to the test host) must neither move the port nor warn about overriding it.
        // Port 0: the OS picks a free one, read back from IServerAddressesFeature once started.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection([new(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0")]);

        // Held requests (TimeoutNext) end on ApplicationStopping; the timeout is only a backstop.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));

        var app = builder.Build();
        try
        {
            app.MapSynthflowSandbox(sandbox);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            return new SandboxServer(app, sandbox, new Uri(address.TrimEnd('/') + "/v2/"));
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
