using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace SynthflowConnector.Http;

public static class ConnectorEndpointRouteBuilderExtensions
{
    /// <summary>Maps the connector's routes on plain ASP.NET Core (the Host), under <c>/api</c>.</summary>
    public static IEndpointRouteBuilder MapConnectorEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/" + ConnectorRoutes.Prefix);
        api.MapGet(ConnectorRoutes.Health, (HealthEndpoint health) => health.Get())
            .WithName("Health")
            .AllowAnonymous();
        return routes;
    }
}
