using Microsoft.Extensions.Logging;

namespace SynthflowConnector.Pools;

/// <summary>Records a reconcile's outcome as the pool's status, keeping the count of consecutive failures.</summary>
internal sealed partial class PoolStatusRecorder(IPoolStore store, ILogger logger)
{
    /// <summary>The result with the failure count as stored; a status that cannot be written is logged, not thrown.</summary>
    public async Task<PoolReconcileResult> RecordAsync(PoolReconcileResult result, CancellationToken cancellationToken)
    {
        if (result.Outcome == PoolOutcomes.Paused)
        {
            return result; // Left alone, status included.
        }

        try
        {
            var status = await store.RecordStatusAsync(
                result.ModelId,
                previous => new PoolStatus
                {
                    At = result.At,
                    Outcome = result.Outcome,
                    Attached = result.Attached,
                    Detached = result.Detached,
                    Remaining = result.Remaining,
                    Error = result.Error,
                    ConsecutiveFailures = result.Outcome switch
                    {
                        PoolOutcomes.Failed or PoolOutcomes.AgentMissing => (previous?.ConsecutiveFailures ?? 0) + 1,
                        PoolOutcomes.Blocked => previous?.ConsecutiveFailures ?? 0, // Waiting for a person is not failing.
                        _ => 0,
                    },
                },
                cancellationToken).ConfigureAwait(false);
            return result with { ConsecutiveFailures = status.ConsecutiveFailures };
        }
        catch (StoreUnavailableException exception)
        {
            // The reconcile itself stands; the next run re-reads everything anyway.
            LogStatusNotRecorded(logger, result.ModelId, exception.Status);
            return result;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool {ModelId}: the status could not be recorded (table storage answered {Status})")]
    private static partial void LogStatusNotRecorded(ILogger logger, string modelId, int? status);
}
