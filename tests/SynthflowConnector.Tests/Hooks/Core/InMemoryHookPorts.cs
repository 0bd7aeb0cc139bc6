using System.Collections.Concurrent;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Tests.Hooks.Core;

// Small in-memory implementations of the trigger's ports, for the core services' unit tests. Each can be told to fail
// (Fault) the way the real stores do: with StoreUnavailableException.

internal sealed class InMemoryCallEventStore : ICallEventStore
{
    private readonly ConcurrentDictionary<(string CallId, string Status), StoredCallEvent> _events = new();

    public Exception? Fault { get; set; }

    public IReadOnlyCollection<StoredCallEvent> All => [.. _events.Values];

    public StoredCallEvent? this[string callId, string status] => _events.GetValueOrDefault((callId, status));

    public Task<bool> TryAddAsync(StoredCallEvent stored, CancellationToken cancellationToken)
    {
        ThrowIfFaulted();
        return Task.FromResult(_events.TryAdd((stored.Event.CallId, stored.Event.Status), stored));
    }

    public Task<bool> TryClaimAsync(StoredCallEvent stored, CancellationToken cancellationToken)
    {
        ThrowIfFaulted();
        var kept = _events.GetOrAdd((stored.Event.CallId, stored.Event.Status), stored);
        return Task.FromResult(ReferenceEquals(kept, stored) || (kept.Claim is not null && kept.Claim == stored.Claim));
    }

    public Task<StoredCallEvent?> GetAsync(string callId, string status, CancellationToken cancellationToken)
    {
        ThrowIfFaulted();
        return Task.FromResult(_events.GetValueOrDefault((callId, status)));
    }

    public Task MarkFannedOutAsync(StoredCallEvent stored, CallEndedEvent enriched, CancellationToken cancellationToken)
    {
        ThrowIfFaulted();
        _events.AddOrUpdate(
            (enriched.CallId, enriched.Status),
            _ => throw new InvalidOperationException("Marking an event that was never stored."),
            (_, _) => stored with { Event = enriched, FannedOut = true });
        return Task.CompletedTask;
    }

    public Task<bool> AnyForCallAsync(string callId, CancellationToken cancellationToken)
    {
        ThrowIfFaulted();
        return Task.FromResult(_events.Keys.Any(key => key.CallId == callId));
    }

    public Task<IReadOnlyList<StoredCallEvent>> ListNotFannedOutAsync(DateTimeOffset acceptedBefore, CancellationToken cancellationToken)
    {
        ThrowIfFaulted();
        return Task.FromResult<IReadOnlyList<StoredCallEvent>>(
            [.. _events.Values.Where(stored => !stored.FannedOut && stored.Event.ReceivedAt < acceptedBefore)]);
    }

    private void ThrowIfFaulted()
    {
        if (Fault is { } fault)
        {
            throw fault;
        }
    }
}

internal sealed class InMemoryHookQueues : IHookQueues
{
    public ConcurrentQueue<CallEventMessage> Events { get; } = new();

    public ConcurrentQueue<(DeliveryMessage Message, TimeSpan Delay)> Deliveries { get; } = new();

    public ConcurrentQueue<DeliveryMessage> Poison { get; } = new();

    public Exception? Fault { get; set; }

    public Task EnqueueEventAsync(CallEventMessage message, CancellationToken cancellationToken)
    {
        ThrowIfFaulted();
        Events.Enqueue(message);
        return Task.CompletedTask;
    }

    public Task EnqueueDeliveryAsync(DeliveryMessage message, TimeSpan delay, CancellationToken cancellationToken)
    {
        ThrowIfFaulted();
        Deliveries.Enqueue((message, delay));
        return Task.CompletedTask;
    }

    public Task EnqueuePoisonAsync(DeliveryMessage message, CancellationToken cancellationToken)
    {
        ThrowIfFaulted();
        Poison.Enqueue(message);
        return Task.CompletedTask;
    }

    /// <summary>Takes the oldest queued delivery (what a queue trigger would hand over next).</summary>
    public (DeliveryMessage Message, TimeSpan Delay) TakeDelivery() =>
        Deliveries.TryDequeue(out var next) ? next : throw new InvalidOperationException("No delivery is queued.");

    private void ThrowIfFaulted()
    {
        if (Fault is { } fault)
        {
            throw fault;
        }
    }
}

internal sealed class InMemorySubscriptionStore : IHookSubscriptionStore
{
    private readonly ConcurrentDictionary<(string Event, string Id), HookSubscription> _subscriptions = new();
    private int _lists;
    private int _gets;

    /// <summary>How many times <see cref="ListAsync"/> was called (the cache's reads).</summary>
    public int Lists => Volatile.Read(ref _lists);

    /// <summary>How many times <see cref="GetAsync"/> was called.</summary>
    public int Gets => Volatile.Read(ref _gets);

    /// <summary>When set, <see cref="ListAsync"/> throws it.</summary>
    public Exception? ListFault { get; set; }

    /// <summary>When set, <see cref="ListAsync"/> waits for it after taking its snapshot (a read in flight).</summary>
    public Task? ListGate { get; set; }

    public Task AddAsync(HookSubscription subscription, CancellationToken cancellationToken)
    {
        if (!_subscriptions.TryAdd((subscription.Event, subscription.Id), subscription))
        {
            throw new InvalidOperationException("Subscription ids must not repeat.");
        }

        return Task.CompletedTask;
    }

    public Task<bool> DeleteAsync(string hookEvent, string id, CancellationToken cancellationToken) =>
        Task.FromResult(_subscriptions.TryRemove((hookEvent, id), out _));

    public Task<HookSubscription?> GetAsync(string hookEvent, string id, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _gets);
        return Task.FromResult(_subscriptions.GetValueOrDefault((hookEvent, id)));
    }

    public async Task<IReadOnlyList<HookSubscription>> ListAsync(string hookEvent, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _lists);
        if (ListFault is { } fault)
        {
            throw fault;
        }

        IReadOnlyList<HookSubscription> snapshot = [.. _subscriptions.Values.Where(s => s.Event == hookEvent).OrderBy(s => s.CreatedAt)];
        if (ListGate is { } gate)
        {
            await gate;
        }

        return snapshot;
    }
}

internal sealed class InMemoryPlacedCallStore : IPlacedCallStore
{
    private readonly ConcurrentDictionary<string, PlacedCall> _calls = new();
    private readonly ConcurrentDictionary<string, bool> _closed = new();

    public Exception? Fault { get; set; }

    public IReadOnlyCollection<PlacedCall> All => [.. _calls.Values];

    public bool IsClosed(string callId) => _closed.ContainsKey(callId);

    public Task AddAsync(PlacedCall placed, CancellationToken cancellationToken)
    {
        if (Fault is { } fault)
        {
            throw fault;
        }

        _calls[placed.CallId] = placed;
        return Task.CompletedTask;
    }

    public Task<PlacedCall?> GetAsync(string callId, CancellationToken cancellationToken) => Task.FromResult(_calls.GetValueOrDefault(callId));

    public Task<IReadOnlyList<PlacedCall>> ListOpenAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PlacedCall>>([.. _calls.Values.Where(call => !_closed.ContainsKey(call.CallId))]);

    public Task CloseAsync(string callId, CancellationToken cancellationToken)
    {
        _closed[callId] = true;
        return Task.CompletedTask;
    }
}

internal sealed class InMemoryFailureStore : IDeliveryFailureStore
{
    private readonly ConcurrentDictionary<string, DeliveryFailure> _failures = new();

    public IReadOnlyCollection<DeliveryFailure> All => [.. _failures.Values];

    public Task AddAsync(DeliveryFailure failure, CancellationToken cancellationToken)
    {
        _failures[failure.Id] = failure;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DeliveryFailure>> ListAsync(int max, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<DeliveryFailure>>([.. _failures.Values.OrderByDescending(f => f.FailedAt).Take(max)]);
}

internal sealed class FixedSecret(string? secret) : IWebhookSecretSource
{
    public string? Secret { get; } = secret;
}

internal sealed class FixedReceiverAddress(Uri? url) : IWebhookReceiverAddress
{
    public Uri? ReceiverUrl { get; } = url;
}

/// <summary>A callback sender that records each POST and answers from <see cref="Answer"/> (200 unless told otherwise).</summary>
internal sealed class RecordingSender : ICallbackSender
{
    public ConcurrentQueue<(Uri Url, string Body, IReadOnlyDictionary<string, string>? Headers)> Posts { get; } = new();

    /// <summary>The answer to a POST to a URL: a status code, or null for no answer.</summary>
    public Func<Uri, int?> Answer { get; set; } = _ => 200;

    /// <summary>When set, every POST waits for it first (to hold deliveries in flight).</summary>
    public Func<Task>? Gate { get; set; }

    public async Task<CallbackResult> PostAsync(Uri url, ReadOnlyMemory<byte> jsonBody, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        Posts.Enqueue((url, System.Text.Encoding.UTF8.GetString(jsonBody.Span), headers));
        if (Gate is { } gate)
        {
            await gate();
        }

        return Answer(url) is { } status ? new CallbackResult(status, null) : new CallbackResult(null, "no answer");
    }

    public IReadOnlyList<string> To(Uri url) => [.. Posts.Where(post => post.Url == url).Select(post => post.Body)];
}
