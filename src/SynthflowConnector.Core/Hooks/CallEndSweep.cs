using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Hooks;

/// <summary>
/// The polling safety net: for calls placed through the connector and not closed yet, lists each involved agent's calls
/// since the oldest one was placed; a call that ended more than <see cref="HooksOptions.SweepGrace"/> ago without a
/// stored event gets one built from <c>GET /v2/calls/{id}</c>, queued exactly like a webhook. It also
/// re-queues stored events whose fan-out never completed. Whether the schedule runs it is the hosts' concern
/// (<see cref="HooksOptions.SweepEnabled"/>).
/// </summary>
public sealed partial class CallEndSweep(
    IPlacedCallStore placedCalls,
    ICallEventStore events,
    IHookQueues queues,
    ISynthflowClient synthflow,
    IOptions<HooksOptions> options,
    TimeProvider timeProvider,
    ILogger<CallEndSweep> logger)
{
    /// <summary>Listing starts this long before the oldest placement (clock skew between us and Synthflow).</summary>
    private static readonly TimeSpan ListingSkew = TimeSpan.FromMinutes(1);

    public async Task<CallEndSweepSummary> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var now = timeProvider.GetUtcNow();
        var open = await placedCalls.ListOpenAsync(cancellationToken).ConfigureAwait(false);
        var closed = 0;
        var emitted = 0;
        var agentsListed = 0;

        var current = new List<PlacedCall>(open.Count);
        foreach (var placed in open)
        {
            if (now - placed.PlacedAt > settings.SweepLookback)
            {
                await placedCalls.CloseAsync(placed.CallId, cancellationToken).ConfigureAwait(false);
                LogGaveUpLooking(logger, placed.CallId, placed.PlacedAt);
                closed++;
            }
            else
            {
                current.Add(placed);
            }
        }

        foreach (var agent in current.GroupBy(placed => placed.ModelId, StringComparer.Ordinal))
        {
            var listed = await ListAsync(agent.Key, agent.Min(placed => placed.PlacedAt) - ListingSkew, cancellationToken).ConfigureAwait(false);
            if (listed is null)
            {
                continue;
            }

            agentsListed++;
            foreach (var placed in agent)
            {
                if (!listed.TryGetValue(placed.CallId, out var call) || !CallStatuses.IsFinal(call.EffectiveStatus))
                {
                    continue;
                }

                if (await events.AnyForCallAsync(placed.CallId, cancellationToken).ConfigureAwait(false))
                {
                    await placedCalls.CloseAsync(placed.CallId, cancellationToken).ConfigureAwait(false);
                    closed++;
                    continue;
                }

                var endedAt = (call.StartTime ?? placed.PlacedAt).AddSeconds(call.Duration ?? 0);
                if (now - endedAt > settings.SweepGrace && await EmitAsync(placed, now, cancellationToken).ConfigureAwait(false))
                {
                    emitted++;
                }
            }
        }

        var requeued = 0;
        foreach (var stalled in await events.ListNotFannedOutAsync(now - settings.SweepGrace, cancellationToken).ConfigureAwait(false))
        {
            await queues.EnqueueEventAsync(new CallEventMessage(stalled.Event.CallId, stalled.Event.Status), cancellationToken).ConfigureAwait(false);
            LogRequeued(logger, stalled.Event.CallId, stalled.Event.Status);
            requeued++;
        }

        var summary = new CallEndSweepSummary(open.Count, agentsListed, emitted, requeued, closed);
        LogSwept(logger, summary.OpenCalls, summary.AgentsListed, summary.EventsEmitted, summary.FanOutsRequeued, summary.Closed);
        return summary;
    }

    /// <summary>The agent's calls since <paramref name="from"/> by id; null when Synthflow could not list them (tried again next run).</summary>
    private async Task<Dictionary<string, SynthflowCall>?> ListAsync(string modelId, DateTimeOffset from, CancellationToken cancellationToken)
    {
        var calls = new Dictionary<string, SynthflowCall>(StringComparer.Ordinal);
        try
        {
            await foreach (var call in synthflow.ListCallsAsync(new CallSearch { ModelId = modelId, From = from }, cancellationToken).ConfigureAwait(false))
            {
                calls[call.CallId] = call;
            }
        }
        catch (Exception error) when (error is SynthflowApiException or SynthflowTransportException)
        {
            LogListFailed(logger, modelId, error.GetType().Name);
            return null;
        }

        return calls;
    }

    /// <summary>Builds the event from Synthflow's call record and queues it like the receiver does.</summary>
    private async Task<bool> EmitAsync(PlacedCall placed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        SynthflowCall call;
        try
        {
            call = await synthflow.GetCallAsync(placed.CallId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is SynthflowApiException or SynthflowTransportException)
        {
            LogLookupFailed(logger, placed.CallId, error.GetType().Name);
            return false;
        }

        if (!CallStatuses.IsFinal(call.EffectiveStatus))
        {
            return false;
        }

        var callEnded = new CallEndedEvent
        {
            CallId = placed.CallId,
            ModelId = call.ModelId ?? placed.ModelId,
            Status = CallStatuses.Normalize(call.EffectiveStatus!),
            EndCallReason = call.EndCallReason,
            Duration = call.Duration,
            StartTime = call.StartTime,
            EndTime = call.StartTime is { } start && call.Duration is { } seconds ? start.AddSeconds(seconds) : null,
            ToPhoneNumber = call.PhoneNumberTo ?? call.LeadPhoneNumber ?? placed.ToPhoneNumber,
            LeadName = call.Name,
            FromPhoneNumber = call.PhoneNumberFrom ?? placed.FromPhoneNumber,
            RecordingUrl = call.RecordingUrl,
            IdempotencyKey = placed.IdempotencyKey,
            ReceivedAt = now,
            Raw = call.ErrorMessage is { } errorMessage ? new JsonObject { ["error_message"] = errorMessage } : null,
        };

        // Queued with its own claim, like a webhook: if the webhook came in meanwhile, the fan-out finds the event stored
        // under the webhook's claim and drops this one.
        await queues.EnqueueEventAsync(CallEventMessage.Claiming(callEnded, originalBody: null), cancellationToken).ConfigureAwait(false);
        LogEmitted(logger, callEnded.CallId, callEnded.Status);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep: {OpenCalls} open calls, {AgentsListed} agents listed, {Emitted} events emitted, {Requeued} fan-outs re-queued, {Closed} calls closed")]
    private static partial void LogSwept(ILogger logger, int openCalls, int agentsListed, int emitted, int requeued, int closed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep: call {CallId} ended without a webhook; emitted its {Status} event from Synthflow's call record")]
    private static partial void LogEmitted(ILogger logger, string callId, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep: stopped looking for the end of call {CallId}, placed at {PlacedAt:o} (older than Hooks__SweepLookback)")]
    private static partial void LogGaveUpLooking(ILogger logger, string callId, DateTimeOffset placedAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep: re-queued the fan-out of call {CallId} ({Status}), which never completed")]
    private static partial void LogRequeued(ILogger logger, string callId, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep: could not list the calls of agent {ModelId} ({Error}); trying again next run")]
    private static partial void LogListFailed(ILogger logger, string modelId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sweep: could not look up call {CallId} ({Error}); trying again next run")]
    private static partial void LogLookupFailed(ILogger logger, string callId, string error);
}
