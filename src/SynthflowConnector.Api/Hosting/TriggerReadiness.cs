using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Hosting;

/// <summary>Whether the "When a call ends" trigger can work, as <c>/api/health</c> shows it: never the secret.</summary>
public sealed record TriggerHealth(string Status, string? Reason = null)
{
    public const string Ready = "ready";
    public const string NotReady = "not-ready";
}

/// <summary>
/// Says at start (a warning) and in <c>/api/health</c> when the trigger cannot work: live mode without
/// <c>Synthflow__WebhookSecret</c> (webhooks refused) or without a public address for the receiver.
/// </summary>
public sealed partial class TriggerReadiness(
    IWebhookSecretSource secret,
    IWebhookReceiverAddress address,
    IOptions<SynthflowOptions> options,
    ILogger<TriggerReadiness> logger) : IHostedService
{
    public TriggerHealth Current()
    {
        if (secret.Secret is null)
        {
            return new TriggerHealth(TriggerHealth.NotReady, "Synthflow__WebhookSecret is not set, so webhooks are refused. Set it to the secret of the Synthflow workspace (Settings > Security > Webhooks).");
        }

        return address.ReceiverUrl is null
            ? new TriggerHealth(TriggerHealth.NotReady, "The receiver's public address is unknown, so Synthflow is not told where to send webhooks. Set Connector__PublicBaseUrl.")
            : new TriggerHealth(TriggerHealth.Ready);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Sandbox mode learns its own address once the server listens; only live mode is decided by settings alone.
        if (!options.Value.IsSandbox)
        {
            if (address.ReceiverUrl is null)
            {
                LogNoAddress(logger);
            }

            if (secret.Secret is null)
            {
                LogNoSecret(logger);
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "The \"When a call ends\" trigger cannot work until Connector__PublicBaseUrl is set: neither it nor WEBSITE_HOSTNAME gives the receiver's public address, so calls are placed without a webhook address (only the sweep sees them end).")]
    private static partial void LogNoAddress(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The \"When a call ends\" trigger cannot work until Synthflow__WebhookSecret is set: Synthflow's webhooks are refused without it.")]
    private static partial void LogNoSecret(ILogger logger);
}
