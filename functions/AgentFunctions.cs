using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using SynthflowConnector.Http;

namespace SynthflowConnector.Functions;

public sealed class AgentFunctions(ConnectorEndpoints endpoints)
{
    [Function("ListAgents")]
    public Task<IResult> ListAgents(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.Agents)] HttpRequest request,
        CancellationToken cancellationToken)
        => endpoints.ListAgentsAsync(request, cancellationToken);
}
