using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Agents;
using SynthflowConnector.Pools;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Http;

/// <summary>
/// The pool actions, host-neutral like <see cref="ConnectorEndpoints"/>: validation first (problem+json naming the
/// field, nothing read upstream or written), then the store or the reconciler.
/// </summary>
public sealed class PoolEndpoints(
    IPoolStore store,
    IPoolReconciler reconciler,
    AgentPhoneNumberService agents,
    TimeProvider timeProvider,
    ILogger<PoolEndpoints> logger)
{
    public const int MaxPoolNumbers = 100;
    private const int MaxETagLength = 256;

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
        if (InvalidModelId(modelId) is { } problem)
        {
            return Task.FromResult<IResult>(problem);
        }

        return RunAsync(async () =>
            await store.GetAsync(modelId, cancellationToken).ConfigureAwait(false) is { } pool
                ? WithETag(PoolResponse.From(pool.Desired, pool.Status))
                : PoolNotFound(modelId));
    }

    public async Task<IResult> SetPoolAsync(HttpRequest request, string modelId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (InvalidModelId(modelId) is { } invalid)
        {
            return invalid;
        }

        var (condition, conditionProblem) = ReadCondition(request, allowIfNoneMatch: true);
        if (conditionProblem is not null)
        {
            return conditionProblem;
        }

        var (body, problem) = await ConnectorValidation.ReadJsonAsync(request, PoolsJson.Context.SetPoolRequest, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        var numbers = ValidateNumbers(body!.PhoneNumbers, errors);
        PoolMode? mode = PoolMode.Exact;
        if (body.Mode is not null && !PoolModes.TryParse(body.Mode, out mode))
        {
            errors.Add("mode", $"'mode' must be {PoolModes.Exact} (attach missing numbers and detach extras) or {PoolModes.Additive} (only attach).");
        }

        if (errors.Any)
        {
            return errors.ToProblem();
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
                PhoneNumbers = numbers!,
                Mode = mode!.Value,
                Paused = body.Paused ?? false,
                UpdatedAt = timeProvider.GetUtcNow(),
            };
            var stored = await store.SetDesiredAsync(pool, condition!, cancellationToken).ConfigureAwait(false);
            if (stored is null)
            {
                return PreconditionFailed(modelId, condition is PoolWriteCondition.CreateOnly
                    ? "A pool for this agent already exists (If-None-Match: *). Read it, then send its etag in If-Match to replace it."
                    : "The pool changed since it was read, or does not exist (If-Match). Read it again and retry with the new etag.");
            }

            var status = (await store.GetAsync(modelId, cancellationToken).ConfigureAwait(false))?.Status;
            return WithETag(PoolResponse.From(stored, status));
        }).ConfigureAwait(false);
    }

    public Task<IResult> DeletePoolAsync(HttpRequest request, string modelId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (InvalidModelId(modelId) is { } invalid)
        {
            return Task.FromResult<IResult>(invalid);
        }

        var (condition, conditionProblem) = ReadCondition(request, allowIfNoneMatch: false);
        if (conditionProblem is not null)
        {
            return Task.FromResult<IResult>(conditionProblem);
        }

        return RunAsync(async () =>
        {
            var ifMatch = condition is PoolWriteCondition.Matching { Version: var version } ? version : null;
            return await store.DeleteAsync(modelId, ifMatch, cancellationToken).ConfigureAwait(false) switch
            {
                PoolDeleteResult.PreconditionFailed => PreconditionFailed(modelId, "The pool changed since it was read, or does not exist (If-Match). Read it again and retry with the new etag."),
                var result => TypedResults.Json(new DeletePoolResult(modelId, result == PoolDeleteResult.Deleted), PoolsJson.Context.DeletePoolResult),
            };
        });
    }

    public Task<IResult> PlanPoolAsync(HttpRequest request, string modelId, CancellationToken cancellationToken)
    {
        if (ValidateForceRequest(request, modelId, out var force) is { } problem)
        {
            return Task.FromResult<IResult>(problem);
        }

        return RunAsync(async () =>
            await reconciler.PlanAsync(modelId, force, cancellationToken).ConfigureAwait(false) is { } report
                ? TypedResults.Json(PoolPlanResponse.From(report), PoolsJson.Context.PoolPlanResponse)
                : PoolNotFound(modelId));
    }

    public Task<IResult> ReconcilePoolAsync(HttpRequest request, string modelId, CancellationToken cancellationToken)
    {
        if (ValidateForceRequest(request, modelId, out var force) is { } problem)
        {
            return Task.FromResult<IResult>(problem);
        }

        // 200 whatever the outcome: the action ran; the body says how the reconcile went (as a run's status would).
        return RunAsync(async () =>
            await reconciler.ReconcileAsync(modelId, force, cancellationToken).ConfigureAwait(false) is { } result
                ? TypedResults.Json(result, PoolsJson.Context.PoolReconcileResult)
                : PoolNotFound(modelId));
    }

    private static IReadOnlyList<string>? ValidateNumbers(IReadOnlyList<string>? numbers, FieldErrors errors)
    {
        if (numbers is null)
        {
            errors.Add("phoneNumbers", "'phoneNumbers' is required: the E.164 numbers the agent must have attached ([] for none).");
            return null;
        }

        if (numbers.Count > MaxPoolNumbers)
        {
            errors.Add("phoneNumbers", $"'phoneNumbers' may hold at most {MaxPoolNumbers} numbers.");
            return null;
        }

        for (var i = 0; i < numbers.Count; i++)
        {
            errors.PhoneNumber($"phoneNumbers[{i}]", numbers[i]);
        }

        return [.. numbers.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>The shared input of plan and reconcile-now: the agent id and the optional <c>force</c> flag.</summary>
    private static ProblemResult? ValidateForceRequest(HttpRequest request, string modelId, out bool force)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new FieldErrors();
        ConnectorValidation.ModelId(errors, modelId);
        force = ReadForce(request, errors);
        return errors.Any ? errors.ToProblem() : null;
    }

    private static bool ReadForce(HttpRequest request, FieldErrors errors)
    {
        var value = request.Query["force"].ToString();
        if (value.Length == 0)
        {
            return false;
        }

        if (bool.TryParse(value, out var force))
        {
            return force;
        }

        errors.Add("force", "'force' must be true or false.");
        return false;
    }

    /// <summary><c>If-Match</c> (an etag, or <c>*</c>: must exist) or <c>If-None-Match: *</c> (must not exist); neither: no condition.</summary>
    private static (PoolWriteCondition? Condition, ProblemResult? Problem) ReadCondition(HttpRequest request, bool allowIfNoneMatch)
    {
        var ifMatch = request.Headers.IfMatch.ToString().Trim();
        var ifNoneMatch = request.Headers.IfNoneMatch.ToString().Trim();
        if (ifNoneMatch.Length > 0)
        {
            if (!allowIfNoneMatch || ifNoneMatch != "*" || ifMatch.Length > 0)
            {
                return (null, Problems.Field("If-None-Match", allowIfNoneMatch
                    ? "Only 'If-None-Match: *' (create only) is supported, and not together with If-Match."
                    : "If-None-Match is not supported here; use If-Match."));
            }

            return (PoolWriteCondition.MustNotExist, null);
        }

        if (ifMatch.Length == 0)
        {
            return (PoolWriteCondition.None, null);
        }

        if (ifMatch.Length > MaxETagLength || ifMatch.Any(char.IsControl))
        {
            return (null, Problems.Field("If-Match", "'If-Match' must be the etag of the pool as read (or *)."));
        }

        return (PoolWriteCondition.IfMatch(ifMatch), null);
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
            return NotFound("agent-not-found", "Synthflow does not know this agent.", modelId, $"Synthflow has no agent '{modelId}': check the id (GET /api/agents lists them).", exception.RequestId);
        }

        return agent.IsOutbound
            ? null
            : Problems.Field("modelId", $"Agent '{modelId}' is {agent.Type ?? "of no type"}: only outbound agents have a pool of numbers to call from.", StatusCodes.Status422UnprocessableEntity);
    }

    private static ProblemResult? InvalidModelId(string modelId)
    {
        var errors = new FieldErrors();
        ConnectorValidation.ModelId(errors, modelId);
        return errors.Any ? errors.ToProblem() : null;
    }

    private static ProblemResult PoolNotFound(string modelId) =>
        NotFound("pool-not-found", "No pool manages this agent.", modelId, $"There is no pool for agent '{modelId}'. Create one with PUT /api/pools/{modelId}.");

    private static ProblemResult NotFound(string kind, string title, string modelId, string detail, string? synthflowRequestId = null)
    {
        var problem = Problems.Create(StatusCodes.Status404NotFound, kind, title, detail, synthflowRequestId);
        return new ProblemResult(problem.Problem with { Errors = new Dictionary<string, string[]> { ["modelId"] = [detail] } });
    }

    private static ProblemResult PreconditionFailed(string modelId, string detail)
    {
        var problem = Problems.Create(StatusCodes.Status412PreconditionFailed, "precondition-failed", "The pool is not the version the request expected.", detail);
        return new ProblemResult(problem.Problem with { Errors = new Dictionary<string, string[]> { ["If-Match"] = [$"Pool {modelId}: {detail}"] } });
    }

    private static ETagResult WithETag(PoolResponse pool) =>
        new ETagResult(TypedResults.Json(pool, PoolsJson.Context.PoolResponse), pool.ETag);

    private Task<IResult> RunAsync(Func<Task<IResult>> action) => EndpointErrors.RunAsync(action, logger);

    /// <summary>A JSON answer carrying the pool's version in the <c>ETag</c> header as well as in the body.</summary>
    private sealed class ETagResult(IResult inner, string etag) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => (inner as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;

        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            if (etag.Length > 0)
            {
                httpContext.Response.Headers.ETag = etag;
            }

            return inner.ExecuteAsync(httpContext);
        }
    }
}
