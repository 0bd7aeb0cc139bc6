using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace SynthflowConnector.Pools;

/// <summary>How a pool treats numbers attached to the agent that the pool does not list.</summary>
public enum PoolMode
{
    /// <summary>The agent has exactly the pool's numbers: missing ones are attached, extra ones detached.</summary>
    Exact,

    /// <summary>The agent has at least the pool's numbers: missing ones are attached, extras are left alone.</summary>
    Additive,
}

/// <summary>The wire names of <see cref="PoolMode"/> (JSON and table storage).</summary>
public static class PoolModes
{
    public const string Exact = "exact";
    public const string Additive = "additive";

    public static string Name(PoolMode mode) => mode == PoolMode.Additive ? Additive : Exact;

    public static bool TryParse(string? value, [NotNullWhen(true)] out PoolMode? mode)
    {
        mode = value switch
        {
            Exact => PoolMode.Exact,
            Additive => PoolMode.Additive,
            _ => null,
        };
        return mode is not null;
    }
}

/// <summary>What a reconcile of one agent came to.</summary>
public static class PoolOutcomes
{
    /// <summary>Nothing to do: the agent already had the pool.</summary>
    public const string InSync = "in-sync";

    /// <summary>Numbers were attached and/or detached, and a read afterwards confirmed the agent has the pool.</summary>
    public const string Applied = "applied";

    /// <summary>The plan detaches more than <c>Reconcile__MaxDetachPerRun</c>: nothing was changed.</summary>
    public const string Blocked = "blocked";

    /// <summary>Synthflow or storage failed, or the read afterwards still differs; <c>remaining</c> says what is left.</summary>
    public const string Failed = "failed";

    /// <summary>The pool is paused: the agent was not read or changed.</summary>
    public const string Paused = "paused";

    /// <summary>Synthflow does not know the agent (any more). The pool is kept until someone deletes it.</summary>
    public const string AgentMissing = "agent-missing";
}

/// <summary>The declared state of one agent's pool, as stored (<see cref="Version"/> is the store's opaque version tag, the HTTP ETag).</summary>
public sealed record DesiredPool
{
    public required string ModelId { get; init; }

    /// <summary>E.164 numbers, distinct, in the order they were given.</summary>
    public required IReadOnlyList<string> PhoneNumbers { get; init; }

    public PoolMode Mode { get; init; }
    public bool Paused { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public string Version { get; init; } = string.Empty;
}

/// <summary>Numbers still to attach and to detach.</summary>
public sealed record PoolDiff(IReadOnlyList<string> Attach, IReadOnlyList<string> Detach)
{
    public static PoolDiff Empty { get; } = new([], []);

    [JsonIgnore]
    public bool IsEmpty => Attach.Count == 0 && Detach.Count == 0;
}

/// <summary>The last reconcile of one agent, kept in its own row so writing it never conflicts with editing the pool.</summary>
public sealed record PoolStatus
{
    public required DateTimeOffset At { get; init; }
    public required string Outcome { get; init; }

    /// <summary>Numbers this reconcile added to the pool.</summary>
    public IReadOnlyList<string> Attached { get; init; } = [];

    /// <summary>Numbers this reconcile removed from the pool.</summary>
    public IReadOnlyList<string> Detached { get; init; } = [];

    /// <summary>What was still to do when the reconcile ended (empty unless blocked or failed).</summary>
    public PoolDiff Remaining { get; init; } = PoolDiff.Empty;

    public string? Error { get; init; }

    /// <summary>Failed (or agent-missing) reconciles in a row; back to 0 on in-sync or applied.</summary>
    public int ConsecutiveFailures { get; init; }
}

/// <summary>A pool with its last status (null before the first reconcile).</summary>
public sealed record PoolRecord(DesiredPool Desired, PoolStatus? Status)
{
    public string ModelId => Desired.ModelId;
}

/// <summary>What a write of the desired state must find, from <c>If-Match</c> / <c>If-None-Match</c>.</summary>
public abstract record PoolWriteCondition
{
    private PoolWriteCondition()
    {
    }

    /// <summary>No header: create or replace whatever is there.</summary>
    public static PoolWriteCondition None { get; } = new Unconditional();

    /// <summary><c>If-None-Match: *</c>: create only.</summary>
    public static PoolWriteCondition MustNotExist { get; } = new CreateOnly();

    /// <summary>The version that matches any stored version (<c>If-Match: *</c>).</summary>
    public const string AnyVersion = "*";

    /// <summary><c>If-Match</c>: the stored version must be this one (<see cref="AnyVersion"/>: any version, but it must exist).</summary>
    public static PoolWriteCondition IfMatch(string version) => new Matching(version);

    public sealed record Unconditional : PoolWriteCondition;

    public sealed record CreateOnly : PoolWriteCondition;

    public sealed record Matching(string Version) : PoolWriteCondition;
}
