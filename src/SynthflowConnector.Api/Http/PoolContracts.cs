using System.Text.Json;
using System.Text.Json.Serialization;
using SynthflowConnector.Pools;

namespace SynthflowConnector.Http;

// The pool actions' public JSON contracts (camelCase, like ConnectorJsonContext).

/// <summary>Body of PUT /api/pools/{modelId}: the desired state.</summary>
public sealed record SetPoolRequest
{
    /// <summary>E.164 numbers the agent must have attached (0 to 100; duplicates are dropped).</summary>
    public IReadOnlyList<string>? PhoneNumbers { get; init; }

    /// <summary><c>exact</c> (default) or <c>additive</c>.</summary>
    public string? Mode { get; init; }

    /// <summary>True leaves the agent alone until set back to false (default false).</summary>
    public bool? Paused { get; init; }
}

/// <summary>The last reconcile of a pool.</summary>
public sealed record PoolStatusResponse(
    DateTimeOffset At,
    string Outcome,
    IReadOnlyList<string> Attached,
    IReadOnlyList<string> Detached,
    PoolDiff Remaining,
    string? Error,
    int ConsecutiveFailures)
{
    internal static PoolStatusResponse? From(PoolStatus? status) => status is null
        ? null
        : new(status.At, status.Outcome, status.Attached, status.Detached, status.Remaining, status.Error, status.ConsecutiveFailures);
}

/// <summary>A pool: its desired state, version (<c>etag</c>, for <c>If-Match</c>) and last status (null before the first reconcile).</summary>
public sealed record PoolResponse
{
    public required string ModelId { get; init; }
    public required IReadOnlyList<string> PhoneNumbers { get; init; }
    public required string Mode { get; init; }
    public required bool Paused { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }

    [JsonPropertyName("etag")]
    public required string ETag { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public PoolStatusResponse? Status { get; init; }

    internal static PoolResponse From(DesiredPool desired, PoolStatus? status) => new()
    {
        ModelId = desired.ModelId,
        PhoneNumbers = desired.PhoneNumbers,
        Mode = PoolModes.Name(desired.Mode),
        Paused = desired.Paused,
        UpdatedAt = desired.UpdatedAt,
        ETag = desired.Version,
        Status = PoolStatusResponse.From(status),
    };
}

public sealed record PoolList(IReadOnlyList<PoolResponse> Pools);

public sealed record DeletePoolResult(string ModelId, bool WasManaged);

/// <summary>The dry run: what a reconcile would attach and detach, and whether it would be blocked.</summary>
public sealed record PoolPlanResponse
{
    public required string ModelId { get; init; }
    public required string Mode { get; init; }
    public required bool Paused { get; init; }

    /// <summary>The pool's numbers.</summary>
    public required IReadOnlyList<string> Desired { get; init; }

    /// <summary>The agent's attached numbers now.</summary>
    public required IReadOnlyList<string> Actual { get; init; }

    public required IReadOnlyList<string> Attach { get; init; }
    public required IReadOnlyList<string> Detach { get; init; }
    public required bool InSync { get; init; }
    public required bool Blocked { get; init; }
    public string? BlockedReason { get; init; }

    /// <summary>The pool version this plan was made from.</summary>
    [JsonPropertyName("etag")]
    public required string ETag { get; init; }

    internal static PoolPlanResponse From(PoolPlanReport report) => new()
    {
        ModelId = report.Desired.ModelId,
        Mode = PoolModes.Name(report.Desired.Mode),
        Paused = report.Desired.Paused,
        Desired = report.Desired.PhoneNumbers,
        Actual = report.Actual,
        Attach = report.Plan.Attach,
        Detach = report.Plan.Detach,
        InSync = report.Plan.InSync,
        Blocked = report.Plan.Blocked,
        BlockedReason = report.Plan.BlockedReason,
        ETag = report.Desired.Version,
    };
}

/// <summary>The pool contracts' serializer, with the same relaxed encoder as <see cref="ConnectorJson"/> (numbers show their '+').</summary>
public static class PoolsJson
{
    public static PoolsJsonContext Context { get; } = new(ConnectorJson.CreateOptions());
}

[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(SetPoolRequest))]
[JsonSerializable(typeof(PoolResponse))]
[JsonSerializable(typeof(PoolList))]
[JsonSerializable(typeof(DeletePoolResult))]
[JsonSerializable(typeof(PoolPlanResponse))]
[JsonSerializable(typeof(PoolReconcileResult))]
public sealed partial class PoolsJsonContext : JsonSerializerContext;
