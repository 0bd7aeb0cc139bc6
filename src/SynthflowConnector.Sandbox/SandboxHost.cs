using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Hosting;

/// <summary>
/// Sandbox mode: runs the Synthflow simulator on a loopback port inside this process and points the client at it.
/// A hosted service, so it works the same under the Functions worker and the Host.
/// </summary>
public sealed partial class SandboxHost(ILogger<SandboxHost> logger, TimeProvider timeProvider) : IHostedService, ISynthflowEndpointProvider, IAsyncDisposable
{
    private readonly TaskCompletionSource<SynthflowEndpoint> _endpoint = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SandboxServer? _server;

    /// <summary>The simulated workspace: its agents, numbers, calls, fault knobs and request log.</summary>
    public SynthflowSandbox Sandbox { get; } = new(timeProvider: timeProvider);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _server = await SandboxServer.StartAsync(Sandbox, cancellationToken).ConfigureAwait(false);
        _endpoint.TrySetResult(new SynthflowEndpoint(_server.BaseAddress, Sandbox.ApiKey, isSandbox: true, Sandbox.Workspace));
        LogBanner(logger, _server.BaseAddress);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask<SynthflowEndpoint> GetEndpointAsync(CancellationToken cancellationToken) =>
        await _endpoint.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SANDBOX: no real calls are placed. Synthflow__ApiKey is not set, so every Synthflow request goes to the built-in simulator at {Address}. Set Synthflow__ApiKey to go live.")]
    private static partial void LogBanner(ILogger logger, Uri address);
}
