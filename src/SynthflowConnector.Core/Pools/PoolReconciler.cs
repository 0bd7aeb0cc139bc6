using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Agents;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Pools;

/// <summary>Keeps agents' attached numbers equal to their pools. Entered by the timer (both hosts) and by actions.</summary>
public interface IPoolReconciler
{
    /// <summary>Reconciles every pool once (see <see cref="PoolReconciler"/>).</summary>
    Task<ReconcileRunSummary> RunAsync(CancellationToken cancellationToken);

    /// <summary>What the timers call: <see cref="RunAsync"/>, unless <c>Reconcile__Enabled</c> is false (then null).</summary>
    Task<ReconcileRunSummary?> RunScheduledAsync(CancellationToken cancellationToken);

    /// <summary>Reconciles one agent now and records its status; null when no pool manages the agent.</summary>
    /// <param name="modelId">The agent.</param>
    /// <param name="force">Lifts the mass-detach guard for this reconcile only.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    Task<PoolReconcileResult?> ReconcileAsync(string modelId, bool force, CancellationToken cancellationToken);

    /// <summary>Reads the pool and the agent and plans, changing nothing; null when no pool manages the agent.</summary>
    Task<PoolPlanReport?> PlanAsync(string modelId, bool force, CancellationToken cancellationToken);
}

/// <summary>
/// The reconciler, in the Kubernetes controller sense: level-triggered (it looks at the whole state every time, never
/// at events), idempotent, and it re-reads the agent before and after acting. For each agent: read the pool, read the
/// agent, plan (<see cref="PoolPlanner"/>), PUT the full target set when numbers are missing (right whether Synthflow's
/// PUT adds or replaces), read again and re-plan, DELETE each remaining extra (exact mode), read again to verify, and
/// record the status.
/// </summary>
/// <remarks>
/// Safe under overlap (two runs at once, a run beside a reconcile-now, two hosts on one storage account):
/// <list type="bullet">
/// <item>a DELETE answered 404 means another reconcile already removed the number: not a failure, and not counted as
/// detached by this one, so each removal is counted once;</item>
/// <item>right before each change (PUT, then the DELETEs) the pool's ETag is checked again: if a user changed the pool
/// meanwhile, the reconcile starts over from the new version instead of detaching numbers the user just added;</item>
/// <item>the outcome comes from a read after the changes, so it reports the agent as it is, whoever made the change;</item>
/// <item>status rows are written read-modify-write with ETags, so overlapping writers never lose a failure count.</item>
/// </list>
/// </remarks>
public sealed partial class PoolReconciler(
    IPoolStore store,
    ISynthflowClient synthflow,
    AttachedNumbersCache cache,
    IOptions<ReconcileOptions> options,
    TimeProvider timeProvider,
    ILogger<PoolReconciler> logger) : IPoolReconciler
{
    /// <summary>How often one reconcile starts over because the pool changed under it before it gives up.</summary>
    private const int MaxPasses = 3;

    public async Task<ReconcileRunSummary> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var started = timeProvider.GetUtcNow();
        var pools = new List<PoolRecord>();
        await foreach (var pool in store.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            pools.Add(pool);
        }

        // Oldest status first (never reconciled before everything else), so the pools a cut-short run left behind go first next time.
        var due = pools
            .Where(pool => !pool.Desired.Paused)
            .OrderBy(pool => pool.Status?.At ?? DateTimeOffset.MinValue)
            .ThenBy(pool => pool.ModelId, StringComparer.Ordinal)
            .ToList();
        var results = new ConcurrentQueue<PoolReconcileResult>();
        var deferred = 0;
        var skipped = pools.Count - due.Count;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = settings.MaxParallelAgents, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(due, parallel, async (pool, token) =>
        {
            if (timeProvider.GetUtcNow() - started >= settings.StartCutoff)
            {
                Interlocked.Increment(ref deferred);
                return;
            }

            var result = await ReconcileIsolatedAsync(pool.ModelId, token).ConfigureAwait(false);
            if (result is null || result.Outcome == PoolOutcomes.Paused)
            {
                Interlocked.Increment(ref skipped); // Paused or deleted since the list was read.
            }
            else
            {
                results.Enqueue(result);
            }
        }).ConfigureAwait(false);

        var all = results.ToArray();
        int Count(string outcome) => all.Count(result => result.Outcome == outcome);
        var summary = new ReconcileRunSummary
        {
            StartedAt = started,
            Duration = timeProvider.GetUtcNow() - started,
            Pools = pools.Count,
            InSync = Count(PoolOutcomes.InSync),
            Applied = Count(PoolOutcomes.Applied),
            Blocked = Count(PoolOutcomes.Blocked),
            Failed = Count(PoolOutcomes.Failed),
            AgentMissing = Count(PoolOutcomes.AgentMissing),
            Skipped = skipped,
            Deferred = deferred,
            UpstreamCalls = all.Sum(result => (long)result.UpstreamCalls),
            Failures = [.. all.Where(result => result.Outcome is PoolOutcomes.Failed or PoolOutcomes.AgentMissing).OrderBy(result => result.ModelId, StringComparer.Ordinal)],
        };
        LogRun(logger, summary.InSync, summary.Applied, summary.Blocked, summary.Failed, summary.AgentMissing, summary.Deferred, summary.Skipped, summary.UpstreamCalls, summary.Duration);
        return summary;
    }

    public async Task<ReconcileRunSummary?> RunScheduledAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            LogDisabled(logger);
            return null;
        }

        return await RunAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<PoolReconcileResult?> ReconcileAsync(string modelId, bool force, CancellationToken cancellationToken)
    {
        var result = await ReconcileAgentAsync(modelId, force, cancellationToken).ConfigureAwait(false);
        return result is null ? null : await RecordAsync(result, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PoolPlanReport?> PlanAsync(string modelId, bool force, CancellationToken cancellationToken)
    {
        var desired = await store.GetDesiredAsync(modelId, cancellationToken).ConfigureAwait(false);
        if (desired is null)
        {
            return null;
        }

        var agent = await synthflow.GetAgentAsync(modelId, cancellationToken).ConfigureAwait(false);
        var actual = Attached(agent);
        var plan = PoolPlanner.Plan(desired, actual.Keys, options.Value.MaxDetachPerRun, force);
        if (!agent.IsOutbound && !plan.InSync)
        {
            plan = plan with { BlockedReason = NotOutbound(agent) };
        }

        return new PoolPlanReport(desired, [.. actual.Keys.Order(StringComparer.Ordinal)], plan);
    }

    /// <summary>One agent of a run: whatever goes wrong stays with this agent.</summary>
    private async Task<PoolReconcileResult?> ReconcileIsolatedAsync(string modelId, CancellationToken cancellationToken)
    {
        try
        {
            return await ReconcileAsync(modelId, force: false, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Expected failures are results already; this is the backstop that keeps one agent from stopping the run.
            LogUnexpected(logger, modelId, exception);
            return new PoolReconcileResult
            {
                ModelId = modelId,
                Outcome = PoolOutcomes.Failed,
                Error = exception.Message,
                At = timeProvider.GetUtcNow(),
            };
        }
    }

    private async Task<PoolReconcileResult?> ReconcileAgentAsync(string modelId, bool force, CancellationToken cancellationToken)
    {
        var maxDetach = options.Value.MaxDetachPerRun;
        var work = new AgentWork(modelId);
        try
        {
            for (var pass = 1; pass <= MaxPasses; pass++)
            {
                var desired = await store.GetDesiredAsync(modelId, cancellationToken).ConfigureAwait(false);
                if (desired is null)
                {
                    return null; // Deleted: no longer ours to manage.
                }

                if (desired.Paused)
                {
                    return Finish(work, PoolOutcomes.Paused, "The pool is paused: the agent was not read or changed.");
                }

                work.UpstreamCalls++;
                var agent = await synthflow.GetAgentAsync(modelId, cancellationToken).ConfigureAwait(false);
                if (!agent.IsOutbound)
                {
                    return Finish(work, PoolOutcomes.Failed, NotOutbound(agent), "agent is not outbound");
                }

                var actual = Attached(agent);
                var plan = work.Plan = PoolPlanner.Plan(desired, actual.Keys, maxDetach, force);
                if (plan.InSync)
                {
                    return Finish(work, work.Changed ? PoolOutcomes.Applied : PoolOutcomes.InSync);
                }

                if (plan.Blocked)
                {
                    return Finish(work, PoolOutcomes.Blocked, plan.BlockedReason, "guard", plan.Diff);
                }

                if (plan.Attach.Count > 0)
                {
                    if (!await IsCurrentAsync(desired, cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }

                    // The full target, not just the missing numbers: if Synthflow's PUT replaces, a PUT of the missing
                    // ones alone would drop the rest.
                    work.UpstreamCalls++;
                    try
                    {
                        await synthflow.AttachPhoneNumbersAsync(modelId, AttachPhoneNumbers.ByNumbers(plan.Target), cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        cache.Invalidate(modelId); // Even an unanswered PUT may have changed the pool.
                    }

                    work.UpstreamCalls++;
                    actual = Attached(await synthflow.GetAgentAsync(modelId, cancellationToken).ConfigureAwait(false));
                    work.Attached.UnionWith(plan.Attach.Where(actual.ContainsKey));

                    // Extras gone after the PUT: Synthflow's PUT replaces, so it detached them.
                    work.Detached.UnionWith(plan.Detach.Where(number => !actual.ContainsKey(number)));

                    // Re-plan from the re-read: after a replacing PUT there is nothing left to delete, and when
                    // nothing is left at all, this read is the verification.
                    plan = work.Plan = PoolPlanner.Plan(desired, actual.Keys, maxDetach, force);
                    if (plan.InSync)
                    {
                        return Finish(work, work.Changed ? PoolOutcomes.Applied : PoolOutcomes.InSync);
                    }

                    if (plan.Blocked)
                    {
                        return Finish(work, PoolOutcomes.Blocked, plan.BlockedReason, "guard", plan.Diff);
                    }
                }

                if (plan.Detach.Count > 0)
                {
                    if (!await IsCurrentAsync(desired, cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }

                    foreach (var number in plan.Detach)
                    {
                        await DetachAsync(work, number, actual[number], cancellationToken).ConfigureAwait(false);
                    }
                }

                // Verify with a fresh read; the outcome is what Synthflow reports now, not what was intended.
                work.UpstreamCalls++;
                var verified = Attached(await synthflow.GetAgentAsync(modelId, cancellationToken).ConfigureAwait(false));
                var check = PoolPlanner.Plan(desired, verified.Keys, int.MaxValue, force: true);
                if (check.InSync)
                {
                    return Finish(work, work.Changed ? PoolOutcomes.Applied : PoolOutcomes.InSync);
                }

                if (!await IsCurrentAsync(desired, cancellationToken).ConfigureAwait(false))
                {
                    continue; // The pool changed while we worked: what we see may be right for the new version.
                }

                work.Plan = check;
                return Finish(
                    work,
                    PoolOutcomes.Failed,
                    work.Error ?? $"After the changes Synthflow still reports {check.Attach.Count} missing and {check.Detach.Count} extra number(s).",
                    work.LogReason ?? "not in sync after apply",
                    check.Diff);
            }

            return Finish(work, PoolOutcomes.Failed, $"The pool changed {MaxPasses} times while it was being reconciled; the next run reconciles the latest version.", "pool kept changing");
        }
        catch (SynthflowApiException exception) when (exception.IsNotFound)
        {
            return Finish(
                work,
                PoolOutcomes.AgentMissing,
                $"Synthflow does not know agent {modelId}. The pool is kept; delete it (DELETE /api/pools/{modelId}) if the agent is gone for good.",
                "agent not found");
        }
        catch (SynthflowApiException exception)
        {
            return Finish(work, PoolOutcomes.Failed, exception.Message, $"{exception.Operation} answered {(int)exception.StatusCode}");
        }
        catch (SynthflowException exception)
        {
            return Finish(work, PoolOutcomes.Failed, exception.Message, $"{exception.Operation} got no answer");
        }
        catch (StoreUnavailableException exception)
        {
            return Finish(work, PoolOutcomes.Failed, $"Table storage failed ({exception.Status}); nothing more was changed.", $"table storage answered {exception.Status}");
        }
    }

    /// <summary>
    /// One DELETE. 404 means the number is already gone (another reconcile, a person): the goal is met and nothing is
    /// counted. Any other failure is noted and the other extras are still tried; the verify read decides the outcome.
    /// </summary>
    private async Task DetachAsync(AgentWork work, string number, string slug, CancellationToken cancellationToken)
    {
        work.UpstreamCalls++;
        try
        {
            await synthflow.DetachPhoneNumberAsync(work.ModelId, slug, cancellationToken).ConfigureAwait(false);
            work.Detached.Add(number);
        }
        catch (SynthflowApiException exception) when (exception.IsNotFound)
        {
            // Already detached.
        }
        catch (SynthflowApiException exception)
        {
            work.Error ??= exception.Message;
            work.LogReason ??= $"{exception.Operation} answered {(int)exception.StatusCode}";
        }
        catch (SynthflowTransportException exception)
        {
            work.Error ??= exception.Message;
            work.LogReason ??= $"{exception.Operation} got no answer";
        }
        finally
        {
            cache.Invalidate(work.ModelId);
        }
    }

    /// <summary>True when the pool is still the version this pass planned from (one point read; no Synthflow call).</summary>
    private async Task<bool> IsCurrentAsync(DesiredPool desired, CancellationToken cancellationToken)
    {
        var now = await store.GetDesiredAsync(desired.ModelId, cancellationToken).ConfigureAwait(false);
        return now is not null && now.Version == desired.Version;
    }

    private PoolReconcileResult Finish(AgentWork work, string outcome, string? error = null, string? logReason = null, PoolDiff? remaining = null)
    {
        var result = new PoolReconcileResult
        {
            ModelId = work.ModelId,
            Outcome = outcome,
            Attached = [.. work.Attached],
            Detached = [.. work.Detached],
            Remaining = outcome is PoolOutcomes.InSync or PoolOutcomes.Applied or PoolOutcomes.Paused ? PoolDiff.Empty : remaining ?? work.Remaining,
            Error = error,
            At = timeProvider.GetUtcNow(),
            UpstreamCalls = work.UpstreamCalls,
        };

        // Counts and reasons only: the numbers themselves (and error texts, which may quote them) stay out of logs.
        if (outcome is PoolOutcomes.InSync or PoolOutcomes.Paused)
        {
            LogQuiet(logger, work.ModelId, outcome);
        }
        else if (outcome == PoolOutcomes.Applied)
        {
            LogApplied(logger, work.ModelId, result.Attached.Count, result.Detached.Count);
        }
        else
        {
            LogNotApplied(logger, work.ModelId, outcome, logReason ?? outcome, result.Attached.Count, result.Detached.Count, result.Remaining.Attach.Count, result.Remaining.Detach.Count);
        }

        return result;
    }

    private async Task<PoolReconcileResult> RecordAsync(PoolReconcileResult result, CancellationToken cancellationToken)
    {
        if (result.Outcome == PoolOutcomes.Paused)
        {
            return result; // Left alone, status included.
        }

        try
        {
            var status = await store.RecordStatusAsync(
                result.ModelId,
                previous => new PoolStatus
                {
                    At = result.At,
                    Outcome = result.Outcome,
                    Attached = result.Attached,
                    Detached = result.Detached,
                    Remaining = result.Remaining,
                    Error = result.Error,
                    ConsecutiveFailures = result.Outcome switch
                    {
                        PoolOutcomes.Failed or PoolOutcomes.AgentMissing => (previous?.ConsecutiveFailures ?? 0) + 1,
                        PoolOutcomes.Blocked => previous?.ConsecutiveFailures ?? 0, // Waiting for a person is not failing.
                        _ => 0,
                    },
                },
                cancellationToken).ConfigureAwait(false);
            return result with { ConsecutiveFailures = status.ConsecutiveFailures };
        }
        catch (StoreUnavailableException exception)
        {
            // The reconcile itself stands; the next run re-reads everything anyway.
            LogStatusNotRecorded(logger, result.ModelId, exception.Status);
            return result;
        }
    }

    /// <summary>The agent's attached numbers (E.164) with the slug Synthflow gave each, for DELETE.</summary>
    private static Dictionary<string, string> Attached(SynthflowAgent agent)
    {
        var numbers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var attached in agent.AttachedPhoneNumbers ?? [])
        {
            var number = PhoneNumberSlug.ToNumber(attached.Number);
            numbers.TryAdd(number, string.IsNullOrEmpty(attached.Slug) ? PhoneNumberSlug.FromNumber(number) : attached.Slug);
        }

        return numbers;
    }

    private static string NotOutbound(SynthflowAgent agent) =>
        $"Agent {agent.ModelId} is {agent.Type ?? "of no type"}: only outbound agents have a pool of numbers to call from.";

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile run: {InSync} in-sync, {Applied} applied, {Blocked} blocked, {Failed} failed, {AgentMissing} agent missing, {Deferred} deferred, {Skipped} paused, {UpstreamCalls} upstream calls in {Elapsed}")]
    private static partial void LogRun(ILogger logger, int inSync, int applied, int blocked, int failed, int agentMissing, int deferred, int skipped, long upstreamCalls, TimeSpan elapsed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile is off (Reconcile__Enabled is false): the scheduled run did nothing")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pool {ModelId}: {Outcome}")]
    private static partial void LogQuiet(ILogger logger, string modelId, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pool {ModelId}: applied, {Attached} attached, {Detached} detached")]
    private static partial void LogApplied(ILogger logger, string modelId, int attached, int detached);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool {ModelId}: {Outcome} ({Reason}); {Attached} attached, {Detached} detached, {RemainingAttach} still to attach, {RemainingDetach} still to detach")]
    private static partial void LogNotApplied(ILogger logger, string modelId, string outcome, string reason, int attached, int detached, int remainingAttach, int remainingDetach);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pool {ModelId}: the reconcile failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, string modelId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool {ModelId}: the status could not be recorded (table storage answered {Status})")]
    private static partial void LogStatusNotRecorded(ILogger logger, string modelId, int? status);

    /// <summary>The running tally of one agent's reconcile.</summary>
    private sealed class AgentWork(string modelId)
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
}
