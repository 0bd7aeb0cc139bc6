using Azure;
using Azure.Data.Tables;

namespace SynthflowConnector.Pools;

/// <summary>Row keys of a pool's partition (the partition key is the agent's model id).</summary>
internal static class PoolRows
{
    /// <summary>The desired state: written by users, always with an ETag.</summary>
    public const string Desired = "desired";

    /// <summary>The last reconcile status: written by the reconciler only.</summary>
    public const string Status = "status";

    /// <summary>Lists of E.164 numbers are one comma-separated property (100 numbers are ~1.7 KB of the 64 KiB allowed).</summary>
    public static string Join(IEnumerable<string> numbers) => string.Join(',', numbers);

    public static string[] Split(string? value) =>
        string.IsNullOrEmpty(value) ? [] : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>The <c>desired</c> row.</summary>
internal sealed class PoolDesiredEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = PoolRows.Desired;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string PhoneNumbers { get; set; } = string.Empty;
    public string Mode { get; set; } = PoolModes.Exact;
    public bool Paused { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    internal static PoolDesiredEntity From(DesiredPool pool) => new()
    {
        PartitionKey = pool.ModelId,
        PhoneNumbers = PoolRows.Join(pool.PhoneNumbers),
        Mode = PoolModes.Name(pool.Mode),
        Paused = pool.Paused,
        UpdatedAt = pool.UpdatedAt,
    };

    internal DesiredPool ToModel() => new()
    {
        ModelId = PartitionKey,
        PhoneNumbers = PoolRows.Split(PhoneNumbers),

        // An unreadable mode (edited by hand) reads as additive: the mode that never detaches is the safe guess.
        Mode = PoolModes.TryParse(Mode, out var mode) ? mode.Value : PoolMode.Additive,
        Paused = Paused,
        UpdatedAt = UpdatedAt,
        Version = ETag.ToString(),
    };
}

/// <summary>The <c>status</c> row.</summary>
internal sealed class PoolStatusEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = PoolRows.Status;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public DateTimeOffset At { get; set; }
    public string Outcome { get; set; } = string.Empty;
    public string Attached { get; set; } = string.Empty;
    public string Detached { get; set; } = string.Empty;
    public string RemainingAttach { get; set; } = string.Empty;
    public string RemainingDetach { get; set; } = string.Empty;
    public string? Error { get; set; }
    public int ConsecutiveFailures { get; set; }

    internal static PoolStatusEntity From(string modelId, PoolStatus status) => new()
    {
        PartitionKey = modelId,
        At = status.At,
        Outcome = status.Outcome,
        Attached = PoolRows.Join(status.Attached),
        Detached = PoolRows.Join(status.Detached),
        RemainingAttach = PoolRows.Join(status.Remaining.Attach),
        RemainingDetach = PoolRows.Join(status.Remaining.Detach),

        // Errors are Synthflow's or storage's messages: bounded, well under a property's 64 KiB.
        Error = status.Error is { Length: > 4000 } text ? text[..4000] : status.Error,
        ConsecutiveFailures = status.ConsecutiveFailures,
    };

    internal PoolStatus ToModel() => new()
    {
        At = At,
        Outcome = Outcome,
        Attached = PoolRows.Split(Attached),
        Detached = PoolRows.Split(Detached),
        Remaining = new PoolDiff(PoolRows.Split(RemainingAttach), PoolRows.Split(RemainingDetach)),
        Error = Error,
        ConsecutiveFailures = ConsecutiveFailures,
    };
}

/// <summary>
/// Either row, for the one query that lists every pool with its status: a partition's rows come back next to each
/// other (results are sorted by partition, then row), so the join is a single lazy pass over the pages.
/// </summary>
internal sealed class PoolRowEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? PhoneNumbers { get; set; }
    public string? Mode { get; set; }
    public bool Paused { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset At { get; set; }
    public string? Outcome { get; set; }
    public string? Attached { get; set; }
    public string? Detached { get; set; }
    public string? RemainingAttach { get; set; }
    public string? RemainingDetach { get; set; }
    public string? Error { get; set; }
    public int ConsecutiveFailures { get; set; }

    public DesiredPool ToDesired() => new PoolDesiredEntity
    {
        PartitionKey = PartitionKey,
        ETag = ETag,
        PhoneNumbers = PhoneNumbers ?? string.Empty,
        Mode = Mode ?? string.Empty,
        Paused = Paused,
        UpdatedAt = UpdatedAt,
    }.ToModel();

    public PoolStatus ToStatus() => new PoolStatusEntity
    {
        PartitionKey = PartitionKey,
        ETag = ETag,
        At = At,
        Outcome = Outcome ?? string.Empty,
        Attached = Attached ?? string.Empty,
        Detached = Detached ?? string.Empty,
        RemainingAttach = RemainingAttach ?? string.Empty,
        RemainingDetach = RemainingDetach ?? string.Empty,
        Error = Error,
        ConsecutiveFailures = ConsecutiveFailures,
    }.ToModel();
}
