using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Agents;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Pools;

/// <summary>
/// One agent's reconcile: read the pool, read the agent, plan (<see cref="PoolPlanner"/>), PUT the full target set when
/// numbers are missing (right whether Synthflow's PUT adds or replaces), read again and re-plan, DELETE each remaining
/// extra (exact mode), read again to verify. Expected failures become results; the status is recorded by the caller.
/// </summary>
internal sealed partial class PoolAgentReconciler(
    IPoolStore store,
    ISynthflowClient synthflow,
    AttachedNumbersCache cache,
    IOptions<ReconcileOptions> options,
    TimeProvider timeProvider,
    ILogger logger)
{
    /// <summary>How often one reconcile starts over because the pool changed under it before it gives up.</summary>
    private const int MaxPasses = 3;

    /// <summary>Reads the pool and the agent and plans, changing nothing; null when no pool manages the agent.</summary>
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

    /// <summary>Reconciles the agent (not recording its status); null when no pool manages the agent.</summary>
    public async Task<PoolReconcileResult?> ReconcileAsync(string modelId, bool force, CancellationToken cancellationToken)
    {
        var maxDetach = options.Value.MaxDetachPerRun;
        var work = new AgentReconcileTally(modelId);
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
    private async Task DetachAsync(AgentReconcileTally work, string number, string slug, CancellationToken cancellationToken)
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

    private PoolReconcileResult Finish(AgentReconcileTally work, string outcome, string? error = null, string? logReason = null, PoolDiff? remaining = null)
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Pool {ModelId}: {Outcome}")]
    private static partial void LogQuiet(ILogger logger, string modelId, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pool {ModelId}: applied, {Attached} attached, {Detached} detached")]
    private static partial void LogApplied(ILogger logger, string modelId, int attached, int detached);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pool {ModelId}: {Outcome} ({Reason}); {Attached} attached, {Detached} detached, {RemainingAttach} still to attach, {RemainingDetach} still to detach")]
    private static partial void LogNotApplied(ILogger logger, string modelId, string outcome, string reason, int attached, int detached, int remainingAttach, int remainingDetach);
}
