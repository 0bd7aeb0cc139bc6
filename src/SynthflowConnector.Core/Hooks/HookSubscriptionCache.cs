using Microsoft.Extensions.Options;

namespace SynthflowConnector.Hooks;

/// <summary>
/// The subscriptions as the hot path reads them (fan-out: the list; delivery: is this subscription still there, and
/// where does it point): each event's list read from the store at most once per
/// <see cref="HooksOptions.SubscriptionCacheDuration"/> per process, instead of once per event and once per delivery.
/// </summary>
/// <remarks>
/// <para>Exact within the process: <see cref="HookSubscriptionService"/> (subscribe, unsubscribe) and
/// <see cref="CallbackDelivery"/> (a 404/410 removes the subscription) call <see cref="Invalidate"/> after writing, and a
/// list read that began before such a write is never kept past it. Across processes (the Functions app scaled out, or
/// the Host and the Functions app on one account), another instance sees a subscribe or an unsubscribe within the
/// duration: until then it may still deliver to a subscription deleted elsewhere, or not yet fan out to one created
/// elsewhere. A subscription the cache does not know is always looked up in the store (<see cref="FindAsync"/>), so a
/// delivery queued by another instance for a new subscription is never dropped. A duration of zero reads the store
/// every time.</para>
/// <para>A load that fails is not kept: its callers get the store's exception (the queue retries the message).</para>
/// </remarks>
public sealed class HookSubscriptionCache(IHookSubscriptionStore store, IOptions<HooksOptions> options, TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>A cache that reads the store every time (what services built without one use).</summary>
    public static HookSubscriptionCache Uncached(IHookSubscriptionStore store) =>
        new(store, Options.Create(new HooksOptions { SubscriptionCacheDuration = TimeSpan.Zero }), TimeProvider.System);

    /// <summary>The event's subscriptions, at most <see cref="HooksOptions.SubscriptionCacheDuration"/> old.</summary>
    public Task<IReadOnlyList<HookSubscription>> ListAsync(string hookEvent, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hookEvent);
        var duration = options.Value.SubscriptionCacheDuration;
        if (duration <= TimeSpan.Zero)
        {
            return store.ListAsync(hookEvent, cancellationToken);
        }

        Entry entry;
        var now = timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (!_entries.TryGetValue(hookEvent, out entry!) || entry.ExpiresAt <= now || entry.Load is { IsValueCreated: true, Value: { IsFaulted: true } or { IsCanceled: true } })
            {
                // Only the list is created under the lock; it is read below, after the entry is visible, so an Invalidate
                // that comes after this point removes the entry, and one that came before is already in what it reads.
                entry = new Entry(new Lazy<Task<IReadOnlyList<HookSubscription>>>(() => LoadAsync(hookEvent)), now + duration);
                _entries[hookEvent] = entry;
            }
        }

        // Shared by every caller, so not cancelled by one of them: each caller stops waiting on its own token.
        return entry.Load.Value.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// The subscription when it exists: from the cached list when it is there, else from the store (a subscription the
    /// cache does not know yet may have been created by another instance). Null when the store does not have it either.
    /// </summary>
    public async Task<HookSubscription?> FindAsync(string hookEvent, string id, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(hookEvent);
        ArgumentNullException.ThrowIfNull(id);
        if (options.Value.SubscriptionCacheDuration > TimeSpan.Zero)
        {
            var cached = (await ListAsync(hookEvent, cancellationToken).ConfigureAwait(false))
                .FirstOrDefault(subscription => string.Equals(subscription.Id, id, StringComparison.Ordinal));
            if (cached is not null)
            {
                return cached;
            }
        }

        return await store.GetAsync(hookEvent, id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Forgets the event's list: the next read goes to the store. Called after every write of a subscription.</summary>
    public void Invalidate(string hookEvent)
    {
        ArgumentNullException.ThrowIfNull(hookEvent);
        lock (_gate)
        {
            _entries.Remove(hookEvent);
        }
    }

    /// <summary>Async, so even a synchronous throw of the store ends in the task (and the entry is replaced next time).</summary>
    private async Task<IReadOnlyList<HookSubscription>> LoadAsync(string hookEvent) =>
        await store.ListAsync(hookEvent, CancellationToken.None).ConfigureAwait(false);

    private sealed record Entry(Lazy<Task<IReadOnlyList<HookSubscription>>> Load, DateTimeOffset ExpiresAt);
}
