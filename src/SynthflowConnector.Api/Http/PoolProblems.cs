using Microsoft.AspNetCore.Http;
using SynthflowConnector.Pools;

namespace SynthflowConnector.Http;

/// <summary>The pool actions' own problems: no pool, no agent, and a failed write condition, each naming the field to fix.</summary>
internal static class PoolProblems
{
    public static ProblemResult PoolNotFound(string modelId) =>
        NotFound("pool-not-found", "No pool manages this agent.", $"There is no pool for agent '{modelId}'. Create one with PUT /api/pools/{modelId}.");

    public static ProblemResult AgentNotFound(string modelId, string? synthflowRequestId) =>
        NotFound("agent-not-found", "Synthflow does not know this agent.", $"Synthflow has no agent '{modelId}': check the id (GET /api/agents lists them).", synthflowRequestId);

    public static ProblemResult NotOutbound(string modelId, string? agentType) =>
        Problems.Field("modelId", $"Agent '{modelId}' is {agentType ?? "of no type"}: only outbound agents have a pool of numbers to call from.", StatusCodes.Status422UnprocessableEntity);

    /// <summary>412 naming the header whose condition failed: <c>If-None-Match</c> for create-only, else <c>If-Match</c>.</summary>
    public static ProblemResult PreconditionFailed(string modelId, PoolWriteCondition condition)
    {
        var (header, detail) = condition is PoolWriteCondition.CreateOnly
            ? ("If-None-Match", "A pool for this agent already exists (If-None-Match: *). Read it, then send its etag in If-Match to replace it.")
            : ("If-Match", "The pool changed since it was read, or does not exist (If-Match). Read it again and retry with the new etag.");
        var problem = Problems.Create(StatusCodes.Status412PreconditionFailed, "precondition-failed", "The pool is not the version the request expected.", detail);
        return new ProblemResult(problem.Problem with { Errors = new Dictionary<string, string[]> { [header] = [$"Pool {modelId}: {detail}"] } });
    }

    private static ProblemResult NotFound(string kind, string title, string detail, string? synthflowRequestId = null)
    {
        var problem = Problems.Create(StatusCodes.Status404NotFound, kind, title, detail, synthflowRequestId);
        return new ProblemResult(problem.Problem with { Errors = new Dictionary<string, string[]> { ["modelId"] = [detail] } });
    }
}
