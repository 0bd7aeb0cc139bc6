namespace SynthflowConnector.Pools;

/// <summary>What reconciling one agent did: the answer of reconcile-now, and one line of a run.</summary>
public sealed record PoolReconcileResult
{
    public required string ModelId { get; init; }

    /// <summary>One of <see cref="PoolOutcomes"/>.</summary>
    public required string Outcome { get; init; }

    /// <summary>Numbers this reconcile added (seen attached after its PUT).</summary>
    public IReadOnlyList<string> Attached { get; init; } = [];

    /// <summary>
    /// Numbers this reconcile removed: each DELETE Synthflow accepted, plus extras its PUT dropped when Synthflow's PUT
    /// replaces. A DELETE answered 404 (already gone) is not counted: another reconcile or a person removed it.
    /// </summary>
    public IReadOnlyList<string> Detached { get; init; } = [];

    /// <summary>What is still to do, as far as this reconcile knows (empty when in-sync or applied).</summary>
    public PoolDiff Remaining { get; init; } = PoolDiff.Empty;

    public string? Error { get; init; }

    public DateTimeOffset At { get; init; }

    /// <summary>Synthflow requests this reconcile made (the client's own retries not counted).</summary>
    public int UpstreamCalls { get; init; }

    /// <summary>From the status row after this reconcile was recorded.</summary>
    public int ConsecutiveFailures { get; init; }
}

/// <summary>A dry run: what reconcile-now would do, and why it would not.</summary>
public sealed record PoolPlanReport(DesiredPool Desired, IReadOnlyList<string> Actual, PoolPlan Plan);

/// <summary>What one whole run did; also written as one log line.</summary>
public sealed record ReconcileRunSummary
{
    public DateTimeOffset StartedAt { get; init; }
    public TimeSpan Duration { get; init; }

    /// <summary>Pools in the table when the run started.</summary>
    public int Pools { get; init; }

    public int InSync { get; init; }
    public int Applied { get; init; }
    public int Blocked { get; init; }
    public int Failed { get; init; }
    public int AgentMissing { get; init; }

    /// <summary>Paused pools (and pools deleted while the run was under way): not read, not changed.</summary>
    public int Skipped { get; init; }

    /// <summary>Pools not started because the time budget ran out: first in line next run.</summary>
    public int Deferred { get; init; }

    public long UpstreamCalls { get; init; }

    /// <summary>The failed and agent-missing results, with their errors.</summary>
    public IReadOnlyList<PoolReconcileResult> Failures { get; init; } = [];
}
