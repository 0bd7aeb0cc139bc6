using Microsoft.Extensions.Logging;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Hooks;

/// <summary>
/// Queue handler for <see cref="IHookQueues.EventsQueue"/>: enriches the event and queues one delivery per matching
/// subscription (and one forward). At least once: the event is marked fanned out only after every delivery is queued,
/// so a crash in between repeats deliveries and never loses one. Each subscription delivery carries the enriched event
/// (<see cref="DeliveryMessage.Event"/>), and the subscription list comes from the <see cref="HookSubscriptionCache"/>.
/// </summary>
public sealed partial class CallEventFanOut(
    ICallEventStore events,
    IPlacedCallStore placedCalls,
    IHookSubscriptionStore subscriptions,
    IHookQueues queues,
    ISynthflowClient synthflow,
    TimeProvider timeProvider,
    ILogger<CallEventFanOut> logger,
    IEnumerable<ICallEndedObserver>? observers = null,
    HookSubscriptionCache? subscriptionCache = null)
{
    private readonly IReadOnlyList<ICallEndedObserver> _observers = [.. observers ?? []];
    private readonly HookSubscriptionCache _subscriptions = subscriptionCache ?? HookSubscriptionCache.Uncached(subscriptions);

    /// <summary>Throws on a store or queue fault so the queue redelivers the message.</summary>
    public async Task HandleAsync(CallEventMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);

        // Both reads at once (one round trip less before the deliveries are queued); the placed call is wasted only on
        // the rare message whose event is gone or already fanned out.
        var reading = events.GetAsync(message.CallId, message.Status, cancellationToken);
        var placing = placedCalls.GetAsync(message.CallId, cancellationToken);
        await Task.WhenAll(reading, placing).ConfigureAwait(false);
        var stored = await reading.ConfigureAwait(false);
        if (stored is null)
        {
            LogMissing(logger, message.CallId, message.Status);
            return;
        }

        if (stored.FannedOut)
        {
            LogAlreadyFannedOut(logger, message.CallId, message.Status);
            return;
        }

        var placed = await placing.ConfigureAwait(false);
        var enriched = await EnrichAsync(stored.Event, placed, cancellationToken).ConfigureAwait(false);

        var now = timeProvider.GetUtcNow();
        var matching = (await _subscriptions.ListAsync(HookEvents.CallEnded, cancellationToken).ConfigureAwait(false))
            .Where(subscription => subscription.Matches(enriched))
            .ToList();

        // All at once (each is one queue request): the last subscriber's delivery is not queued behind the others'. If
        // one fails, the handler throws after all have finished and the redelivered message queues them all again.
        await Task.WhenAll(matching.Select(subscription => queues.EnqueueDeliveryAsync(
            new DeliveryMessage { CallId = enriched.CallId, Status = enriched.Status, SubscriptionId = subscription.Id, FirstQueuedAt = now, Event = enriched },
            TimeSpan.Zero,
            cancellationToken))).ConfigureAwait(false);

        var forwarded = false;
        if (placed?.ForwardUrl is { } forwardUrl)
        {
            if (stored.OriginalBody is not null)
            {
                var forward = new DeliveryMessage { CallId = enriched.CallId, Status = enriched.Status, ForwardUrl = forwardUrl, FirstQueuedAt = now };
                await queues.EnqueueDeliveryAsync(forward, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
                forwarded = true;
            }
            else
            {
                // The sweep made this event: there is no Synthflow webhook to forward.
                LogNothingToForward(logger, enriched.CallId);
            }
        }

        // Campaigns and the pacer hear of the end before it counts as fanned out: a throw makes the queue redeliver.
        foreach (var observer in _observers)
        {
            await observer.OnCallEndedAsync(enriched, placed, cancellationToken).ConfigureAwait(false);
        }

        await events.MarkFannedOutAsync(stored, enriched, cancellationToken).ConfigureAwait(false);
        if (placed is not null)
        {
            await placedCalls.CloseAsync(placed.CallId, cancellationToken).ConfigureAwait(false);
        }

        LogFannedOut(logger, enriched.CallId, enriched.Status, matching.Count, forwarded);
    }

    /// <summary>Fills what the webhook lacked: the make-a-call record's key and numbers, then Synthflow's call record.</summary>
    private async Task<CallEndedEvent> EnrichAsync(CallEndedEvent callEnded, PlacedCall? placed, CancellationToken cancellationToken)
    {
        if (placed is not null)
        {
            callEnded = callEnded with
            {
                IdempotencyKey = callEnded.IdempotencyKey ?? placed.IdempotencyKey,
                ModelId = callEnded.ModelId ?? placed.ModelId,
                ToPhoneNumber = callEnded.ToPhoneNumber ?? placed.ToPhoneNumber,
                FromPhoneNumber = callEnded.FromPhoneNumber ?? placed.FromPhoneNumber,
            };
        }

        if (callEnded.RecordingUrl is not null && callEnded.FromPhoneNumber is not null)
        {
            return callEnded;
        }

        SynthflowCall call;
        try
        {
            call = await synthflow.GetCallAsync(callEnded.CallId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is SynthflowApiException or SynthflowTransportException)
        {
            // Deliver what the webhook said rather than hold every subscriber back for one field.
            LogLookupFailed(logger, callEnded.CallId, error.GetType().Name);
            return callEnded;
        }

        return callEnded with
        {
            RecordingUrl = callEnded.RecordingUrl ?? NullIfBlank(call.RecordingUrl),
            FromPhoneNumber = callEnded.FromPhoneNumber ?? NullIfBlank(call.PhoneNumberFrom),
            ToPhoneNumber = callEnded.ToPhoneNumber ?? NullIfBlank(call.PhoneNumberTo ?? call.LeadPhoneNumber),
            ModelId = callEnded.ModelId ?? NullIfBlank(call.ModelId),
            Duration = callEnded.Duration ?? call.Duration,
            StartTime = callEnded.StartTime ?? call.StartTime,
            EndTime = callEnded.EndTime ?? (call.StartTime is { } start && call.Duration is { } seconds ? start.AddSeconds(seconds) : null),
        };
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    [LoggerMessage(Level = LogLevel.Information, Message = "Fanned out call {CallId} ({Status}): {Deliveries} subscription deliveries queued, forward queued: {Forwarded}")]
    private static partial void LogFannedOut(ILogger logger, string callId, string status, int deliveries, bool forwarded);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No stored event for call {CallId} ({Status}): nothing to fan out")]
    private static partial void LogMissing(ILogger logger, string callId, string status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Call {CallId} ({Status}) was already fanned out: message dropped")]
    private static partial void LogAlreadyFannedOut(ILogger logger, string callId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} has a forward URL but its event came from the sweep: no webhook body to forward")]
    private static partial void LogNothingToForward(ILogger logger, string callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look up call {CallId} at Synthflow to complete its event ({Error}): delivering it as received")]
    private static partial void LogLookupFailed(ILogger logger, string callId, string error);
}
