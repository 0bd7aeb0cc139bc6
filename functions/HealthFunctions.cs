using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using SynthflowConnector.Http;

namespace SynthflowConnector.Functions;

public sealed class HealthFunctions(HealthEndpoint health)
{
    [Function("Health")]
    public IResult Get(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ConnectorRoutes.Health)] HttpRequest request)
        => health.Get();
}
