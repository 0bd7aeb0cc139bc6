namespace SynthflowConnector.Calls;

/// <summary>One Idempotency-Key's entry: what was asked (hash), how far it got, and the result to replay.</summary>
public sealed record CallLedgerEntry
{
    public required string RequestHash { get; init; }
    public required string State { get; init; }
    public required string ModelId { get; init; }
    public required string Phone { get; init; }
    public DateTimeOffset AttemptStartedAt { get; init; }
    public DateTimeOffset LeaseUntil { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    public string? CallId { get; init; }
    public string? FromPhoneNumber { get; init; }
    public string? CallerIdStrategy { get; init; }
    public string? CallerIdReason { get; init; }
    public int? Eta { get; init; }

    /// <summary>The store's opaque version tag; conditional writes name it. Empty before the entry is stored.</summary>
    public string Version { get; init; } = string.Empty;
}

public static class CallLedgerStates
{
    /// <summary>An attempt holds the key; duplicates get 409 until its lease ends.</summary>
    public const string InFlight = "in-flight";

    /// <summary>The call was placed; its result is replayed.</summary>
    public const string Completed = "completed";

    /// <summary>Synthflow's answer was lost: the call may exist. The next retry looks it up before placing.</summary>
    public const string Unknown = "unknown";
}

/// <summary>
/// The idempotency ledger: one entry per <c>Idempotency-Key</c>, written with optimistic concurrency so that of two
/// concurrent requests with one key exactly one holds it. Storage faults surface as <see cref="StoreUnavailableException"/>.
/// </summary>
public interface ICallLedger
{
    /// <summary>Stores <paramref name="entry"/> if the key has none; null when the key already has an entry.</summary>
    Task<CallLedgerEntry?> TryAddAsync(string idempotencyKey, CallLedgerEntry entry, CancellationToken cancellationToken);

    Task<CallLedgerEntry?> GetAsync(string idempotencyKey, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the stored entry if it is still at <paramref name="expectedVersion"/>; null when another writer moved
    /// it (or deleted it) meanwhile.
    /// </summary>
    Task<CallLedgerEntry?> TryReplaceAsync(string idempotencyKey, CallLedgerEntry entry, string expectedVersion, CancellationToken cancellationToken);

    /// <summary>Deletes the entry if it is still at <paramref name="expectedVersion"/>; false when it moved.</summary>
    Task<bool> TryDeleteAsync(string idempotencyKey, string expectedVersion, CancellationToken cancellationToken);
}

/// <summary>Caller-ID state that outlives a request: per-agent round-robin cursors and sticky assignments.</summary>
public interface ICallerIdStore
{
    /// <summary>Takes the agent's next round-robin position; concurrent callers always get distinct positions.</summary>
    /// <exception cref="StoreContentionException">Other writers kept winning; nothing was taken.</exception>
    Task<long> TakeNextPositionAsync(string modelId, CancellationToken cancellationToken);

    /// <summary>The number <paramref name="recipient"/> was last called from by the agent, if any.</summary>
    Task<string?> GetStickyAsync(string modelId, string recipient, CancellationToken cancellationToken);

    Task SetStickyAsync(string modelId, string recipient, string fromPhoneNumber, CancellationToken cancellationToken);
}
