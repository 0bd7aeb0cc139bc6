namespace SynthflowConnector.Hooks;

// Ports of the call-ended trigger; Infrastructure implements them on Azure Table and Queue storage. Store methods
// throw the StoreExceptions of SynthflowConnector (StoreUnavailableException and so on), never SDK exceptions.

public interface IHookSubscriptionStore
{
    Task AddAsync(HookSubscription subscription, CancellationToken cancellationToken);

    /// <returns>False when there was nothing to delete.</returns>
    Task<bool> DeleteAsync(string hookEvent, string id, CancellationToken cancellationToken);

    Task<HookSubscription?> GetAsync(string hookEvent, string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<HookSubscription>> ListAsync(string hookEvent, CancellationToken cancellationToken);
}

/// <summary>Accepted events, once per (call id, final status): the dedupe record and the body deliveries read.</summary>
public interface ICallEventStore
{
    /// <returns>True when added; false when this (call id, status) was already stored (nothing changed).</returns>
    Task<bool> TryAddAsync(StoredCallEvent stored, CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="stored"/> insert-only under its <see cref="StoredCallEvent.Claim"/>. True when stored now,
    /// or stored earlier under the same claim (the same queue message handled again); false when this (call id, status)
    /// is already stored under another claim or none (a duplicate: nothing changed).
    /// </summary>
    Task<bool> TryClaimAsync(StoredCallEvent stored, CancellationToken cancellationToken);

    Task<StoredCallEvent?> GetAsync(string callId, string status, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the event with <paramref name="enriched"/> (the fan-out's) and sets <see cref="StoredCallEvent.FannedOut"/>,
    /// keeping the original body of <paramref name="stored"/>, the row as the fan-out read it (nothing is read again).
    /// </summary>
    Task MarkFannedOutAsync(StoredCallEvent stored, CallEndedEvent enriched, CancellationToken cancellationToken);

    /// <summary>True when any event of this call is stored.</summary>
    Task<bool> AnyForCallAsync(string callId, CancellationToken cancellationToken);

    /// <summary>Events accepted before <paramref name="acceptedBefore"/> whose fan-out never completed (a crash between steps).</summary>
    Task<IReadOnlyList<StoredCallEvent>> ListNotFannedOutAsync(DateTimeOffset acceptedBefore, CancellationToken cancellationToken);
}

/// <summary>Calls placed through make-a-call that have not ended yet (as far as the connector knows).</summary>
public interface IPlacedCallStore
{
    Task AddAsync(PlacedCall placed, CancellationToken cancellationToken);

    Task<PlacedCall?> GetAsync(string callId, CancellationToken cancellationToken);

    Task<IReadOnlyList<PlacedCall>> ListOpenAsync(CancellationToken cancellationToken);

    /// <summary>The call's end has been seen; idempotent.</summary>
    Task CloseAsync(string callId, CancellationToken cancellationToken);
}

/// <summary>The two queues of the trigger (and the deliveries' poison queue).</summary>
public interface IHookQueues
{
    /// <summary>Queue name of <see cref="CallEventMessage"/>s (the Functions QueueTrigger binds to it).</summary>
    public const string EventsQueue = "call-events";

    /// <summary>Queue name of <see cref="DeliveryMessage"/>s.</summary>
    public const string DeliveriesQueue = "call-deliveries";

    /// <summary>Where deliveries go after the last try (the name the Functions host uses for its own poison messages).</summary>
    public const string DeliveriesPoisonQueue = "call-deliveries-poison";

    Task EnqueueEventAsync(CallEventMessage message, CancellationToken cancellationToken);

    /// <summary>Queues a delivery, invisible for <paramref name="delay"/> (the backoff; zero for now).</summary>
    Task EnqueueDeliveryAsync(DeliveryMessage message, TimeSpan delay, CancellationToken cancellationToken);

    Task EnqueuePoisonAsync(DeliveryMessage message, CancellationToken cancellationToken);
}

public interface IDeliveryFailureStore
{
    Task AddAsync(DeliveryFailure failure, CancellationToken cancellationToken);

    /// <summary>Newest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<DeliveryFailure>> ListAsync(int max, CancellationToken cancellationToken);
}

/// <summary>POSTs JSON to a callback. The infrastructure's sender refuses unsafe addresses at connect time (live mode).</summary>
public interface ICallbackSender
{
    /// <summary>Never throws for HTTP or transport failures: they come back as a <see cref="CallbackResult"/>.</summary>
    Task<CallbackResult> PostAsync(Uri url, ReadOnlyMemory<byte> jsonBody, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken);
}

/// <summary>Where Synthflow should send post-call webhooks: the receiver's public URL, or null when unknown (live without settings).</summary>
public interface IWebhookReceiverAddress
{
    Uri? ReceiverUrl { get; }
}

/// <summary>The secret Synthflow signs webhooks with: <c>Synthflow__WebhookSecret</c>, or generated in sandbox mode.</summary>
public interface IWebhookSecretSource
{
    /// <summary>Null in live mode without <c>Synthflow__WebhookSecret</c>: webhooks are refused.</summary>
    string? Secret { get; }
}

/// <summary>
/// Told of every call end during fan-out (webhook or sweep), before the event is marked fanned out: campaigns update
/// their recipient, the pacer frees the call's concurrency slot. Must be idempotent (a redelivered message calls it again);
/// a throw makes the queue redeliver.
/// </summary>
public interface ICallEndedObserver
{
    Task OnCallEndedAsync(CallEndedEvent callEnded, PlacedCall? placed, CancellationToken cancellationToken);
}
