using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Hooks;

/// <summary>
/// Queue handler for <see cref="IHookQueues.EventsQueue"/>: enriches the event and delivers it to every matching
/// subscription (and forwards the webhook), the first tries made here, at once, by <see cref="CallbackDelivery"/>, which
/// queues a retry, a poison message or a subscription's removal as each answer says. A message carrying its event
/// (<see cref="CallEventMessage.Claim"/>) stores it first, insert-only under its claim: a duplicate webhook finds another
/// claim and is dropped, the same message handled again finds its own and delivers again. At least once: the queue
/// message is settled only after every first try is made or its retry queued, so a process killed in between repeats
/// them and loses none. A message by reference reads the stored event and marks it fanned out at the end.
/// </summary>
public sealed partial class CallEventFanOut(
    ICallEventStore events,
    IPlacedCallStore placedCalls,
    IHookSubscriptionStore subscriptions,
    CallbackDelivery delivery,
    ISynthflowClient synthflow,
    TimeProvider timeProvider,
    ILogger<CallEventFanOut> logger,
    IEnumerable<ICallEndedObserver>? observers = null,
    HookSubscriptionCache? subscriptionCache = null)
{
    private readonly IReadOnlyList<ICallEndedObserver> _observers = [.. observers ?? []];
    private readonly HookSubscriptionCache _subscriptions = subscriptionCache ?? HookSubscriptionCache.Uncached(subscriptions);

    /// <summary>Throws on a store or queue fault so the queue redelivers the message.</summary>
    /// <exception cref="System.Text.Json.JsonException">The message's body is not a readable webhook (it goes to the poison queue).</exception>
    public async Task HandleAsync(CallEventMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Claim is null)
        {
            await HandleByReferenceAsync(message, cancellationToken).ConfigureAwait(false);
            return;
        }

        var received = message.Event ?? Read(message);
        var placed = await placedCalls.GetAsync(message.CallId, cancellationToken).ConfigureAwait(false);
        var enriched = await EnrichAsync(received, placed, cancellationToken).ConfigureAwait(false);
        var claimed = new StoredCallEvent { Event = enriched, OriginalBody = message.OriginalBody, FannedOut = true, Claim = message.Claim };
        if (!await events.TryClaimAsync(claimed, cancellationToken).ConfigureAwait(false))
        {
            LogDuplicate(logger, message.CallId, message.Status);
            return;
        }

        await FanOutAsync(enriched, placed, message.OriginalBody, cancellationToken).ConfigureAwait(false);
    }

    private async Task HandleByReferenceAsync(CallEventMessage message, CancellationToken cancellationToken)
    {
        // Both reads at once; the placed call is wasted only on the rare message whose event is gone or already fanned out.
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
        await FanOutAsync(enriched, placed, stored.OriginalBody, cancellationToken).ConfigureAwait(false);
        await events.MarkFannedOutAsync(stored, enriched, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Observers, closing the placed call, then every first try at once.</summary>
    private async Task FanOutAsync(CallEndedEvent enriched, PlacedCall? placed, string? originalBody, CancellationToken cancellationToken)
    {
        // Campaigns and the pacer hear of the end, and the placed call is closed, before anything is delivered: a throw
        // here makes the queue redeliver without a subscriber having been told yet (they are idempotent).
        foreach (var observer in _observers)
        {
            await observer.OnCallEndedAsync(enriched, placed, cancellationToken).ConfigureAwait(false);
        }

        if (placed is not null)
        {
            await placedCalls.CloseAsync(placed.CallId, cancellationToken).ConfigureAwait(false);
        }

        var now = timeProvider.GetUtcNow();
        var matching = (await _subscriptions.ListAsync(HookEvents.CallEnded, cancellationToken).ConfigureAwait(false))
            .Where(subscription => subscription.Matches(enriched))
            .ToList();
        var tries = matching
            .Select(subscription => delivery.HandleAsync(
                new DeliveryMessage { CallId = enriched.CallId, Status = enriched.Status, SubscriptionId = subscription.Id, FirstQueuedAt = now, Event = enriched },
                cancellationToken))
            .ToList();

        var forwarded = false;
        if (placed?.ForwardUrl is { } forwardUrl)
        {
            if (originalBody is not null)
            {
                var forward = new DeliveryMessage { CallId = enriched.CallId, Status = enriched.Status, ForwardUrl = forwardUrl, FirstQueuedAt = now };
                tries.Add(delivery.HandleAsync(forward, originalBody, cancellationToken));
                forwarded = true;
            }
            else
            {
                // The sweep made this event: there is no Synthflow webhook to forward.
                LogNothingToForward(logger, enriched.CallId);
            }
        }

        // All at once: the last subscriber is not served behind the others. A fault (a retry that could not be queued)
        // throws after all have finished, and the redelivered message tries them all again.
        await Task.WhenAll(tries).ConfigureAwait(false);
        LogFannedOut(logger, enriched.CallId, enriched.Status, matching.Count, forwarded);
    }

    /// <summary>The event of a message that carries the webhook's body, read as the receiver read it.</summary>
    private static CallEndedEvent Read(CallEventMessage message)
    {
        var parsed = message.OriginalBody is { } body
            ? SynthflowWebhookParser.Parse(Encoding.UTF8.GetBytes(body), message.ReceivedAt ?? DateTimeOffset.UnixEpoch)
            : null;
        return parsed?.Event is { } callEnded && callEnded.CallId == message.CallId && callEnded.Status == message.Status
            ? callEnded
            : throw new JsonException($"The call-event message of call {message.CallId} carries no readable webhook ({parsed?.Field ?? "no body"}).");
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Fanned out call {CallId} ({Status}): {Deliveries} subscription deliveries tried, forward tried: {Forwarded}")]
    private static partial void LogFannedOut(ILogger logger, string callId, string status, int deliveries, bool forwarded);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No stored event for call {CallId} ({Status}): nothing to fan out")]
    private static partial void LogMissing(ILogger logger, string callId, string status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Call {CallId} ({Status}) was already fanned out: message dropped")]
    private static partial void LogAlreadyFannedOut(ILogger logger, string callId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} ({Status}) is already stored by another message (a duplicate webhook): not fanned out again")]
    private static partial void LogDuplicate(ILogger logger, string callId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Call {CallId} has a forward URL but its event came from the sweep: no webhook body to forward")]
    private static partial void LogNothingToForward(ILogger logger, string callId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look up call {CallId} at Synthflow to complete its event ({Error}): delivering it as received")]
    private static partial void LogLookupFailed(ILogger logger, string callId, string error);
}
