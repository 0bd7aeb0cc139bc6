using Azure;
using Azure.Data.Tables;

namespace SynthflowConnector.Calls;

/// <summary>One Idempotency-Key: what was asked (hash), how far it got, and the result to replay.</summary>
internal sealed class CallLedgerEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string RequestHash { get; set; } = string.Empty;
    public string State { get; set; } = CallLedgerStates.InFlight;
    public string ModelId { get; set; } = string.Empty;
    public string Phone { get; set; } = string.Empty;
    public DateTimeOffset AttemptStartedAt { get; set; }
    public DateTimeOffset LeaseUntil { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public string? CallId { get; set; }
    public string? FromPhoneNumber { get; set; }
    public string? CallerIdStrategy { get; set; }
    public string? CallerIdReason { get; set; }
    public int? Eta { get; set; }
}

/// <summary>Per-agent round-robin position.</summary>
internal sealed class CallerIdCursorEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public long Position { get; set; }
}

/// <summary>The number a recipient was last called from by an agent.</summary>
internal sealed class StickyCallerIdEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string FromPhoneNumber { get; set; } = string.Empty;
}
