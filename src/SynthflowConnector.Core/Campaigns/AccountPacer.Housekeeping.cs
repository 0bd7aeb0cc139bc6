using Microsoft.Extensions.Logging;
using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Campaigns;

// The pacer's housekeeping: late lookups of calls whose end event has not come, and expiry of what is held too long.
public sealed partial class AccountPacer
{
    /// <summary>Looks the calls up at Synthflow; frees those that ended (or that Synthflow does not know). Returns how many were freed.</summary>
    private async Task<int> CheckLiveCallsAsync(IReadOnlyList<string> callIds, CancellationToken cancellationToken)
    {
        var ended = new List<string>();
        foreach (var callId in callIds)
        {
            try
            {
                var call = await synthflow.GetCallAsync(callId, cancellationToken).ConfigureAwait(false);
                if (CallStatuses.IsFinal(call.EffectiveStatus))
                {
                    ended.Add(callId);
                }
            }
            catch (SynthflowApiException error) when (error.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                ended.Add(callId);
            }
            catch (Exception error) when (error is SynthflowApiException or SynthflowTransportException)
            {
                LogCheckFailed(logger, callId, error.GetType().Name);
            }
        }

        if (ended.Count == 0 || !await RemoveAsync(ended, cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        LogLateFreed(logger, ended.Count);
        coordinator.SignalRelease();
        return ended.Count;
    }

    /// <summary>The slots still held: unplaced reservations expire, and so does anything older than a day.</summary>
    private Dictionary<string, LiveCallSlot> Prune(IReadOnlyDictionary<string, LiveCallSlot> live, DateTimeOffset now)
    {
        var kept = new Dictionary<string, LiveCallSlot>(live.Count, StringComparer.Ordinal);
        foreach (var (slotId, held) in live)
        {
            if (held.ReservedAt + (held.CallId is null ? ReservationExpiry : BoundExpiry) > now)
            {
                kept[slotId] = held;
            }
            else
            {
                LogExpired(logger, slotId, held.CallId is null);
            }
        }

        return kept;
    }

    private bool IsDueForCheck(LiveCallSlot held, DateTimeOffset now) =>
        held.CallId is not null && held.ReservedAt + limits.LiveCallCheckAfter <= now && (held.CheckedAt is not { } checkedAt || checkedAt + CheckInterval <= now);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pacing: slot {SlotId} expired (never placed: {Unplaced}); freed")]
    private static partial void LogExpired(ILogger logger, string slotId, bool unplaced);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pacing: {Count} calls whose end event was late had ended; their slots are free")]
    private static partial void LogLateFreed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pacing: could not look up live call {CallId} ({Error}); it keeps its slot")]
    private static partial void LogCheckFailed(ILogger logger, string callId, string error);
}
