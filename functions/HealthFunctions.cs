using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using SynthflowConnector.Http;

namespace SynthflowConnector.Functions;

public sealed class HealthFunctions(ConnectorEndpoints endpoints)
{
    [Function("Health")]
    public IResult Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ConnectorRoutes.Health)] HttpRequest request)
        => endpoints.Health(request);
}
