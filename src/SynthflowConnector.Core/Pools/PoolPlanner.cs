namespace SynthflowConnector.Pools;

/// <summary>What a reconcile would do to one agent, Terraform-style: computed first, then applied (or not).</summary>
public sealed record PoolPlan
{
    /// <summary>Desired numbers the agent lacks, sorted.</summary>
    public required IReadOnlyList<string> Attach { get; init; }

    /// <summary>Attached numbers the pool does not list (exact mode only; additive never detaches), sorted.</summary>
    public required IReadOnlyList<string> Detach { get; init; }

    /// <summary>
    /// The full set to send with <c>PUT …/phone_numbers</c> when anything is missing, sorted: right whether Synthflow's
    /// PUT adds or replaces. Exact: the desired numbers. Additive: desired plus everything attached now, so a replacing
    /// PUT cannot drop numbers the pool tolerates.
    /// </summary>
    public required IReadOnlyList<string> Target { get; init; }

    public bool InSync => Attach.Count == 0 && Detach.Count == 0;

    /// <summary>True when there is work but it must not be done (paused, or the detach guard).</summary>
    public bool Blocked => BlockedReason is not null;

    public string? BlockedReason { get; init; }

    public PoolDiff Diff => new(Attach, Detach);
}

/// <summary>The planner: a pure function from desired and actual state to a plan. No I/O, no clock.</summary>
public static class PoolPlanner
{
    /// <param name="desired">The pool.</param>
    /// <param name="actualNumbers">The agent's attached numbers as Synthflow reports them (duplicates tolerated).</param>
    /// <param name="maxDetach">The guard, <c>Reconcile__MaxDetachPerRun</c>: a plan detaching more is blocked.</param>
    /// <param name="force">Lifts the guard (not a pause).</param>
    public static PoolPlan Plan(DesiredPool desired, IReadOnlyCollection<string> actualNumbers, int maxDetach, bool force)
    {
        ArgumentNullException.ThrowIfNull(desired);
        ArgumentNullException.ThrowIfNull(actualNumbers);
        ArgumentOutOfRangeException.ThrowIfNegative(maxDetach);

        var wanted = new SortedSet<string>(desired.PhoneNumbers, StringComparer.Ordinal);
        var actual = new SortedSet<string>(actualNumbers, StringComparer.Ordinal);
        string[] attach = [.. wanted.Where(number => !actual.Contains(number))];
        string[] detach = desired.Mode == PoolMode.Exact ? [.. actual.Where(number => !wanted.Contains(number))] : [];
        string[] target = desired.Mode == PoolMode.Exact ? [.. wanted] : [.. new SortedSet<string>(wanted.Concat(actual), StringComparer.Ordinal)];

        string? blocked = null;
        if (attach.Length > 0 || detach.Length > 0)
        {
            if (desired.Paused)
            {
                blocked = "The pool is paused: reconciles leave this agent alone until it is resumed (PUT the pool with \"paused\": false).";
            }
            else if (detach.Length > maxDetach && !force)
            {
                blocked = $"The plan detaches {detach.Length} numbers, more than Reconcile__MaxDetachPerRun ({maxDetach}). " +
                    "Check the pool, then reconcile now with force=true to apply it once, or raise the setting.";
            }
        }

        return new PoolPlan { Attach = attach, Detach = detach, Target = target, BlockedReason = blocked };
    }
}
