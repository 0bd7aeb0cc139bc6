using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using SynthflowConnector.Http;

namespace SynthflowConnector.Functions;

public sealed class CallFunctions(ConnectorEndpoints endpoints)
{
    [Function("MakeCall")]
    public Task<IResult> MakeCall(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ConnectorRoutes.Calls)] HttpRequest request,
        CancellationToken cancellationToken)
        => endpoints.MakeCallAsync(request, cancellationToken);

    [Function("GetCall")]
    public Task<IResult> GetCall(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.Call)] HttpRequest request,
        string callId,
        CancellationToken cancellationToken)
        => endpoints.GetCallAsync(request, callId, cancellationToken);
}
