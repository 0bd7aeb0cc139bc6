using Microsoft.Extensions.Logging;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Campaigns;

/// <summary>Frees a call's pacing slot when its end is fanned out (webhook or sweep). Idempotent: a second release finds nothing.</summary>
public sealed class AccountPacerObserver(AccountPacer pacer) : ICallEndedObserver
{
    public Task OnCallEndedAsync(CallEndedEvent callEnded, PlacedCall? placed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(callEnded);
        return pacer.ReleaseAsync(placed?.PacingSlotId ?? callEnded.CallId, cancellationToken);
    }
}

/// <summary>
/// Frees a call's pacing slot as soon as the receiver accepts its end (before the queue hop and the fan-out), in the
/// background so the acknowledgement does not wait. A failure is logged: <see cref="AccountPacerObserver"/> frees it at
/// fan-out anyway.
/// </summary>
public sealed partial class AccountPacerEarlyRelease(AccountPacer pacer, ILogger<AccountPacerEarlyRelease> logger) : ICallEndAcceptedObserver
{
    /// <summary>The release under way (for tests).</summary>
    public Task? Pending { get; private set; }

    public void OnCallEndAccepted(string callId)
    {
        ArgumentNullException.ThrowIfNull(callId);
        if (pacer.Limits.MaxConcurrentCalls is null)
        {
            return;
        }

        Pending = ReleaseAsync(callId);
    }

    private async Task ReleaseAsync(string callId)
    {
        try
        {
            await pacer.ReleaseAsync(callId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            LogNotReleased(logger, callId, error.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pacing: could not free the slot of call {CallId} on its webhook ({Error}); the fan-out frees it")]
    private static partial void LogNotReleased(ILogger logger, string callId, string error);
}
