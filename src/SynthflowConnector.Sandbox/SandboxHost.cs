using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Hosting;

/// <summary>
/// Sandbox mode: runs the Synthflow simulator on a loopback port inside this process and points the client at it.
/// A hosted service, so it works the same under the Functions worker and the Host. Its knobs come from the
/// <c>Sandbox</c> section (<see cref="SandboxSettings"/>): <c>Sandbox__CallDuration</c>, <c>Sandbox__CallsPerSecond</c>,
/// <c>Sandbox__MaxConcurrentCalls</c>, <c>Sandbox__WebhookDelay</c>, <c>Sandbox__DropWebhooks</c>,
/// <c>Sandbox__WebhookDropRate</c>, <c>Sandbox__DuplicateWebhooks</c>.
/// </summary>
public sealed partial class SandboxHost : IHostedService, ISynthflowEndpointProvider, IAsyncDisposable
{
    private readonly TaskCompletionSource<SynthflowEndpoint> _endpoint = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger<SandboxHost> _logger;
    private SandboxServer? _server;

    public SandboxHost(ILogger<SandboxHost> logger, TimeProvider timeProvider, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        _logger = logger;
        WebhookSecret = SandboxSettings.WebhookSecret(configuration);
        Sandbox = new SynthflowSandbox(SandboxSettings.Read(configuration, WebhookSecret), timeProvider);
    }

    /// <summary>The simulated workspace: its agents, numbers, calls, fault, limit and webhook knobs, and request log.</summary>
    public SynthflowSandbox Sandbox { get; }

    /// <summary>
    /// The secret the simulator signs post-call webhooks with: <c>Synthflow__WebhookSecret</c> when set, else one
    /// generated at start (32 random bytes, base64). Never logged.
    /// </summary>
    public string WebhookSecret { get; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _server = await SandboxServer.StartAsync(Sandbox, cancellationToken).ConfigureAwait(false);
        _endpoint.TrySetResult(new SynthflowEndpoint(_server.BaseAddress, Sandbox.ApiKey, isSandbox: true, Sandbox.Workspace));
        LogBanner(_logger, _server.BaseAddress);
        LogKnobs(_logger, Sandbox.CallDuration, Sandbox.CallsPerSecond, Sandbox.MaxConcurrentCalls, Sandbox.Webhooks.Delay, Sandbox.Webhooks.DropAll, Sandbox.Webhooks.DropRate, Sandbox.Webhooks.DuplicateAll);
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

    public async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        await Sandbox.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SANDBOX: no real calls are placed. Synthflow__ApiKey is not set, so every Synthflow request goes to the built-in simulator at {Address}. Set Synthflow__ApiKey to go live.")]
    private static partial void LogBanner(ILogger logger, Uri address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sandbox calls last {CallDuration}; limits: {CallsPerSecond} new calls per second, {MaxConcurrentCalls} at once (empty: none); webhooks: delay {WebhookDelay}, drop all {DropWebhooks}, drop rate {WebhookDropRate}, duplicate {DuplicateWebhooks}.")]
    private static partial void LogKnobs(ILogger logger, TimeSpan callDuration, int? callsPerSecond, int? maxConcurrentCalls, TimeSpan webhookDelay, bool dropWebhooks, double webhookDropRate, bool duplicateWebhooks);
}
