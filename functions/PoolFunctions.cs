using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using SynthflowConnector.Http;

namespace SynthflowConnector.Functions;

public sealed class PoolFunctions(PoolEndpoints pools)
{
    [Function("ListPools")]
    public Task<IResult> ListPools(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.Pools)] HttpRequest request,
        CancellationToken cancellationToken)
        => pools.ListPoolsAsync(request, cancellationToken);

    [Function("GetPool")]
    public Task<IResult> GetPool(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.Pool)] HttpRequest request,
        string modelId,
        CancellationToken cancellationToken)
        => pools.GetPoolAsync(request, modelId, cancellationToken);

    [Function("SetPool")]
    public Task<IResult> SetPool(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = ConnectorRoutes.Pool)] HttpRequest request,
        string modelId,
        CancellationToken cancellationToken)
        => pools.SetPoolAsync(request, modelId, cancellationToken);

    [Function("DeletePool")]
    public Task<IResult> DeletePool(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = ConnectorRoutes.Pool)] HttpRequest request,
        string modelId,
        CancellationToken cancellationToken)
        => pools.DeletePoolAsync(request, modelId, cancellationToken);

    [Function("PlanPool")]
    public Task<IResult> PlanPool(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.PoolPlan)] HttpRequest request,
        string modelId,
        CancellationToken cancellationToken)
        => pools.PlanPoolAsync(request, modelId, cancellationToken);

    [Function("ReconcilePool")]
    public Task<IResult> ReconcilePool(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ConnectorRoutes.PoolReconcile)] HttpRequest request,
        string modelId,
        CancellationToken cancellationToken)
        => pools.ReconcilePoolAsync(request, modelId, cancellationToken);
}
