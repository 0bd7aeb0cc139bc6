using System.Collections.Concurrent;
using Azure;

namespace SynthflowConnector.Calls;

/// <summary>
/// The round-robin cursor versions this process wrote last, so the next call of the same agent can update the cursor
/// conditionally on that ETag without reading it first: one table round trip instead of two. The ETag keeps it exact:
/// if anyone else moved the cursor since, the update fails with 412 and the caller reads and retries as before. An
/// agent whose cursor another writer (another instance) moved recently goes without the shortcut for a while, so
/// instances that interleave calls of one agent do not pay a failed update on top of every read.
/// </summary>
public sealed class CallerIdCursorCache(TimeProvider timeProvider)
{
    /// <summary>How long an agent goes without the shortcut after another writer moved its cursor.</summary>
    internal static readonly TimeSpan ContendedFor = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<(string Table, string ModelId), Entry> _entries = new();

    /// <summary>Takes (removes) the version this process wrote last, if it has one and the agent is not contended.</summary>
    /// <remarks>Taking, not reading: two concurrent calls in this process must not both try the same ETag.</remarks>
    public bool TryTake(string table, string modelId, out long position, out ETag etag)
    {
        (position, etag) = (0, default);
        var key = (table, modelId);
        if (!_entries.TryGetValue(key, out var entry) || entry.ETag is not { } known)
        {
            return false;
        }

        if (!_entries.TryUpdate(key, entry with { ETag = null }, entry))
        {
            return false; // Another call of this agent took it first: read.
        }

        (position, etag) = (entry.Position, known);
        return true;
    }

    /// <summary>Records the cursor as this process just wrote it (unless another writer moved it recently).</summary>
    public void Remember(string table, string modelId, long position, ETag? etag)
    {
        var key = (table, modelId);
        var now = timeProvider.GetUtcNow();
        _entries.AddOrUpdate(
            key,
            _ => new Entry(position, etag, DateTimeOffset.MinValue),
            (_, current) => current with { Position = position, ETag = current.ContendedUntil > now ? null : etag });
    }

    /// <summary>Another writer moved the cursor: no shortcut for this agent for <see cref="ContendedFor"/>.</summary>
    public void MarkContended(string table, string modelId) =>
        _entries[(table, modelId)] = new Entry(0, null, timeProvider.GetUtcNow() + ContendedFor);

    private sealed record Entry(long Position, ETag? ETag, DateTimeOffset ContendedUntil);
}
