using System.Globalization;
using SynthflowConnector.Calls;

namespace SynthflowConnector.Tests.Calls;

/// <summary>
/// An <see cref="ICallLedger"/> in memory with the table ledger's rules: every write gets a new version and
/// conditional writes fail (null/false) when the stored version differs. <see cref="BeforeNextReplace"/> lets a test
/// act as a concurrent writer between the service's read and its conditional replace.
/// </summary>
internal sealed class InMemoryCallLedger : ICallLedger
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CallLedgerEntry> _entries = new(StringComparer.Ordinal);
    private int _lastVersion;

    /// <summary>Runs once, right before the next <see cref="TryReplaceAsync"/> checks the version.</summary>
    public Func<Task>? BeforeNextReplace { get; set; }

    public CallLedgerEntry? this[string idempotencyKey]
    {
        get
        {
            lock (_gate)
            {
                return _entries.GetValueOrDefault(idempotencyKey);
            }
        }
    }

    public Task<CallLedgerEntry?> TryAddAsync(string idempotencyKey, CallLedgerEntry entry, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_entries.ContainsKey(idempotencyKey) ? null : Store(idempotencyKey, entry));
        }
    }

    public Task<CallLedgerEntry?> GetAsync(string idempotencyKey, CancellationToken cancellationToken) =>
        Task.FromResult(this[idempotencyKey]);

    public async Task<CallLedgerEntry?> TryReplaceAsync(string idempotencyKey, CallLedgerEntry entry, string expectedVersion, CancellationToken cancellationToken)
    {
        if (BeforeNextReplace is { } concurrentWriter)
        {
            BeforeNextReplace = null;
            await concurrentWriter();
        }

        lock (_gate)
        {
            return _entries.TryGetValue(idempotencyKey, out var stored) && stored.Version == expectedVersion
                ? Store(idempotencyKey, entry)
                : null;
        }
    }

    public Task<bool> TryDeleteAsync(string idempotencyKey, string expectedVersion, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(
                _entries.TryGetValue(idempotencyKey, out var stored) && stored.Version == expectedVersion && _entries.Remove(idempotencyKey));
        }
    }

    private CallLedgerEntry Store(string idempotencyKey, CallLedgerEntry entry)
    {
        var stored = entry with { Version = (++_lastVersion).ToString(CultureInfo.InvariantCulture) };
        _entries[idempotencyKey] = stored;
        return stored;
    }
}
