using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Agents;
using SynthflowConnector.Pools;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Http;

/// <summary>
/// The pool actions, host-neutral like <see cref="ConnectorEndpoints"/>: validation first (<see cref="PoolRequests"/>:
/// problem+json naming the field, nothing read upstream or written), then the store or the reconciler.
/// </summary>
public sealed class PoolEndpoints(
    IPoolStore store,
    IPoolReconciler reconciler,
    AgentPhoneNumberService agents,
    TimeProvider timeProvider,
    ILogger<PoolEndpoints> logger)
{
    public Task<IResult> ListPoolsAsync(HttpRequest request, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            var pools = new List<PoolResponse>();
            await foreach (var pool in store.ListAsync(cancellationToken).ConfigureAwait(false))
            {
                pools.Add(PoolResponse.From(pool.Desired, pool.Status));
            }

            return TypedResults.Json(new PoolList(pools), PoolsJson.Context.PoolList);
        });

    public Task<IResult> GetPoolAsync(HttpRequest request, string modelId, CancellationToken cancellationToken)
    {
        if (PoolRequests.InvalidModelId(modelId) is { } problem)
        {
            return Task.FromResult<IResult>(problem);
        }

        return RunAsync(async () =>
            await store.GetAsync(modelId, cancellationToken).ConfigureAwait(false) is { } pool
                ? WithETag(PoolResponse.From(pool.Desired, pool.Status))
                : PoolProblems.PoolNotFound(modelId));
    }

    public async Task<IResult> SetPoolAsync(HttpRequest request, string modelId, CancellationToken cancellationToken)
    {
        if (PoolRequests.InvalidModelId(modelId) is { } invalid)
        {
            return invalid;
        }

        var (condition, conditionProblem) = PoolRequests.ReadCondition(request, allowIfNoneMatch: true);
        if (conditionProblem is not null)
        {
            return conditionProblem;
        }

        var (body, bodyProblem) = await PoolRequests.ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }

        return await RunAsync(async () =>
        {
            if (await VerifyAgentAsync(modelId, cancellationToken).ConfigureAwait(false) is { } agentProblem)
            {
                return agentProblem;
            }

            var pool = new DesiredPool
            {
                ModelId = modelId,
                PhoneNumbers = body!.PhoneNumbers,
                Mode = body.Mode,
                Paused = body.Paused,
                UpdatedAt = timeProvider.GetUtcNow(),
            };
            var stored = await store.SetDesiredAsync(pool, condition!, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                return PoolProblems.PreconditionFailed(modelId, condition!);
            }

            var status = (await store.GetAsync(modelId, cancellationToken).ConfigureAwait(false))?.Status;
            return WithETag(PoolResponse.From(stored, status));
        }).ConfigureAwait(false);
    }

    public Task<IResult> DeletePoolAsync(HttpRequest request, string modelId, CancellationToken cancellationToken)
    {
        if (PoolRequests.InvalidModelId(modelId) is { } invalid)
        {
            return Task.FromResult<IResult>(invalid);
        }

        var (condition, conditionProblem) = PoolRequests.ReadCondition(request, allowIfNoneMatch: false);
        if (conditionProblem is not null)
        {
            return Task.FromResult<IResult>(conditionProblem);
        }

        return RunAsync(async () =>
        {
            var ifMatch = condition is PoolWriteCondition.Matching { Version: var version } ? version : null;
            return await store.DeleteAsync(modelId, ifMatch, cancellationToken).ConfigureAwait(false) switch
            {
                PoolDeleteResult.PreconditionFailed => PoolProblems.PreconditionFailed(modelId, condition!),
                var result => TypedResults.Json(new DeletePoolResult(modelId, result == PoolDeleteResult.Deleted), PoolsJson.Context.DeletePoolResult),
            };
        });
    }

    public Task<IResult> PlanPoolAsync(HttpRequest request, string modelId, CancellationToken cancellationToken)
    {
        if (PoolRequests.ReadForceRequest(request, modelId, out var force) is { } problem)
        {
            return Task.FromResult<IResult>(problem);
        }

        return RunAsync(async () =>
            await reconciler.PlanAsync(modelId, force, cancellationToken).ConfigureAwait(false) is { } report
                ? TypedResults.Json(PoolPlanResponse.From(report), PoolsJson.Context.PoolPlanResponse)
                : PoolProblems.PoolNotFound(modelId));
    }

    public Task<IResult> ReconcilePoolAsync(HttpRequest request, string modelId, CancellationToken cancellationToken)
    {
        if (PoolRequests.ReadForceRequest(request, modelId, out var force) is { } problem)
        {
            return Task.FromResult<IResult>(problem);
        }

        // 200 whatever the outcome: the action ran; the body says how the reconcile went (as a run's status would).
        return RunAsync(async () =>
            await reconciler.ReconcileAsync(modelId, force, cancellationToken).ConfigureAwait(false) is { } result
                ? TypedResults.Json(result, PoolsJson.Context.PoolReconcileResult)
                : PoolProblems.PoolNotFound(modelId));
    }

    /// <summary>The agent must exist and be outbound (a cached read: agents do not change type).</summary>
    private async Task<ProblemResult?> VerifyAgentAsync(string modelId, CancellationToken cancellationToken)
    {
        SynthflowAgent agent;
        try
        {
            agent = await agents.GetAgentCachedAsync(modelId, cancellationToken).ConfigureAwait(false);
        }
        catch (SynthflowApiException exception) when (exception.IsNotFound)
        {
            return PoolProblems.AgentNotFound(modelId, exception.RequestId);
        }

        return agent.IsOutbound ? null : PoolProblems.NotOutbound(modelId, agent.Type);
    }

    private static ETagResult WithETag(PoolResponse pool) =>
        new(TypedResults.Json(pool, PoolsJson.Context.PoolResponse), pool.ETag);

    private Task<IResult> RunAsync(Func<Task<IResult>> action) => EndpointErrors.RunAsync(action, logger);
}
