using Microsoft.Azure.Functions.Worker;
using SynthflowConnector.Pools;

namespace SynthflowConnector.Functions;

/// <summary>
/// Reconciles every pool on Reconcile__Schedule (six-field NCRONTAB; the setting must exist in the app settings, the
/// Functions host resolves %Reconcile__Schedule% itself). The host keeps it a singleton across instances.
/// </summary>
public sealed class ReconcileTimerFunction(IPoolReconciler reconciler)
{
    [Function("ReconcilePools")]
    public Task Run([TimerTrigger("%Reconcile__Schedule%")] TimerInfo timer, CancellationToken cancellationToken)
        => reconciler.RunScheduledAsync(cancellationToken);
}
