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
/// at events), idempotent, and it re-reads the agent before and after acting. A run takes every unpaused pool, oldest
/// status first, a bounded number of agents at once, and starts no agent after the start cutoff; each agent is
/// reconciled by <see cref="PoolAgentReconciler"/> (read, plan, apply, verify) and its status recorded by
/// <see cref="PoolStatusRecorder"/>.
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
    // Both helpers log under this class's category, as before the split.
    private readonly PoolAgentReconciler _agent = new(store, synthflow, cache, options, timeProvider, logger);
    private readonly PoolStatusRecorder _status = new(store, logger);

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
        var result = await _agent.ReconcileAsync(modelId, force, cancellationToken).ConfigureAwait(false);
        return result is null ? null : await _status.RecordAsync(result, cancellationToken).ConfigureAwait(false);
    }

    public Task<PoolPlanReport?> PlanAsync(string modelId, bool force, CancellationToken cancellationToken) =>
        _agent.PlanAsync(modelId, force, cancellationToken);

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile run: {InSync} in-sync, {Applied} applied, {Blocked} blocked, {Failed} failed, {AgentMissing} agent missing, {Deferred} deferred, {Skipped} paused, {UpstreamCalls} upstream calls in {Elapsed}")]
    private static partial void LogRun(ILogger logger, int inSync, int applied, int blocked, int failed, int agentMissing, int deferred, int skipped, long upstreamCalls, TimeSpan elapsed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile is off (Reconcile__Enabled is false): the scheduled run did nothing")]
    private static partial void LogDisabled(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "Pool {ModelId}: the reconcile failed unexpectedly")]
    private static partial void LogUnexpected(ILogger logger, string modelId, Exception exception);
}
