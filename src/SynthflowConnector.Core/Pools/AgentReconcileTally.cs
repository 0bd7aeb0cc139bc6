namespace SynthflowConnector.Pools;

/// <summary>The running tally of one agent's reconcile.</summary>
internal sealed class AgentReconcileTally(string modelId)
{
    public string ModelId { get; } = modelId;
    public SortedSet<string> Attached { get; } = new(StringComparer.Ordinal);
    public SortedSet<string> Detached { get; } = new(StringComparer.Ordinal);
    public PoolPlan? Plan { get; set; }
    public int UpstreamCalls { get; set; }

    /// <summary>The first DELETE failure (the others are still tried).</summary>
    public string? Error { get; set; }

    public string? LogReason { get; set; }

    public bool Changed => Attached.Count > 0 || Detached.Count > 0;

    /// <summary>The last plan minus what was done since.</summary>
    public PoolDiff Remaining => Plan is null
        ? PoolDiff.Empty
        : new PoolDiff([.. Plan.Attach.Where(n => !Attached.Contains(n))], [.. Plan.Detach.Where(n => !Detached.Contains(n))]);
}
