using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace SynthflowConnector.Http;

public static class ConnectorEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the connector's routes on plain ASP.NET Core (the Host), under <c>/api</c>: the same
    /// <see cref="ConnectorRoutes"/> and <see cref="ConnectorEndpoints"/> the Functions app uses, with the function key
    /// required on every route but health and Synthflow's webhook receiver (<see cref="ConnectorRoutes.Anonymous"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapConnectorEndpoints(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/" + ConnectorRoutes.Prefix);
        api.MapGet(ConnectorRoutes.Health, (HttpRequest request, ConnectorEndpoints endpoints) => endpoints.Health(request))
            .WithName("Health");
        api.MapPost(ConnectorRoutes.SynthflowWebhook, (HttpRequest request, HookEndpoints hooks, CancellationToken cancellationToken) =>
            hooks.ReceiveSynthflowWebhookAsync(request, cancellationToken)).WithName("ReceiveSynthflowWebhook");

        var secured = api.MapGroup(string.Empty).AddEndpointFilter(ConnectorApiKey.Filter);
        secured.MapGet(ConnectorRoutes.Agents, (HttpRequest request, ConnectorEndpoints endpoints, CancellationToken cancellationToken) =>
            endpoints.ListAgentsAsync(request, cancellationToken)).WithName("ListAgents");
        secured.MapGet(ConnectorRoutes.AgentPhoneNumbers, (HttpRequest request, string modelId, ConnectorEndpoints endpoints, CancellationToken cancellationToken) =>
            endpoints.ListAgentPhoneNumbersAsync(request, modelId, cancellationToken)).WithName("ListAgentPhoneNumbers");
        secured.MapPut(ConnectorRoutes.AgentPhoneNumbers, (HttpRequest request, string modelId, ConnectorEndpoints endpoints, CancellationToken cancellationToken) =>
            endpoints.AttachPhoneNumbersAsync(request, modelId, cancellationToken)).WithName("AttachPhoneNumbers");
        secured.MapDelete(ConnectorRoutes.AgentPhoneNumber, (HttpRequest request, string modelId, string slug, ConnectorEndpoints endpoints, CancellationToken cancellationToken) =>
            endpoints.DetachPhoneNumberAsync(request, modelId, slug, cancellationToken)).WithName("DetachPhoneNumber");
        secured.MapGet(ConnectorRoutes.PhoneNumbers, (HttpRequest request, ConnectorEndpoints endpoints, CancellationToken cancellationToken) =>
            endpoints.ListPhoneNumbersAsync(request, cancellationToken)).WithName("ListPhoneNumbers");
        secured.MapPost(ConnectorRoutes.Calls, (HttpRequest request, ConnectorEndpoints endpoints, CancellationToken cancellationToken) =>
            endpoints.MakeCallAsync(request, cancellationToken)).WithName("MakeCall");
        secured.MapGet(ConnectorRoutes.Call, (HttpRequest request, string callId, ConnectorEndpoints endpoints, CancellationToken cancellationToken) =>
            endpoints.GetCallAsync(request, callId, cancellationToken)).WithName("GetCall");
        MapPools(secured);
        MapHooks(secured);
        CampaignRouteMappings.Map(secured);
        return routes;
    }

    private static void MapHooks(RouteGroupBuilder secured)
    {
        secured.MapPost(ConnectorRoutes.CallEndedHooks, (HttpRequest request, HookEndpoints hooks, CancellationToken cancellationToken) =>
            hooks.SubscribeCallEndedAsync(request, cancellationToken)).WithName("WhenCallEnds");
        secured.MapGet(ConnectorRoutes.CallEndedHooks, (HttpRequest request, HookEndpoints hooks, CancellationToken cancellationToken) =>
            hooks.ListCallEndedSubscriptionsAsync(request, cancellationToken)).WithName("ListCallEndedSubscriptions");
        secured.MapGet(ConnectorRoutes.CallEndedHookFailures, (HttpRequest request, HookEndpoints hooks, CancellationToken cancellationToken) =>
            hooks.ListCallEndedFailuresAsync(request, cancellationToken)).WithName("ListCallEndedFailures");
        secured.MapDelete(ConnectorRoutes.CallEndedHook, (HttpRequest request, string subscriptionId, HookEndpoints hooks, CancellationToken cancellationToken) =>
            hooks.UnsubscribeCallEndedAsync(request, subscriptionId, cancellationToken)).WithName("DeleteCallEndedSubscription");
    }

    private static void MapPools(RouteGroupBuilder secured)
    {
        secured.MapGet(ConnectorRoutes.Pools, (HttpRequest request, PoolEndpoints pools, CancellationToken cancellationToken) =>
            pools.ListPoolsAsync(request, cancellationToken)).WithName("ListPools");
        secured.MapGet(ConnectorRoutes.Pool, (HttpRequest request, string modelId, PoolEndpoints pools, CancellationToken cancellationToken) =>
            pools.GetPoolAsync(request, modelId, cancellationToken)).WithName("GetPool");
        secured.MapPut(ConnectorRoutes.Pool, (HttpRequest request, string modelId, PoolEndpoints pools, CancellationToken cancellationToken) =>
            pools.SetPoolAsync(request, modelId, cancellationToken)).WithName("SetPool");
        secured.MapDelete(ConnectorRoutes.Pool, (HttpRequest request, string modelId, PoolEndpoints pools, CancellationToken cancellationToken) =>
            pools.DeletePoolAsync(request, modelId, cancellationToken)).WithName("DeletePool");
        secured.MapGet(ConnectorRoutes.PoolPlan, (HttpRequest request, string modelId, PoolEndpoints pools, CancellationToken cancellationToken) =>
            pools.PlanPoolAsync(request, modelId, cancellationToken)).WithName("PlanPool");
        secured.MapPost(ConnectorRoutes.PoolReconcile, (HttpRequest request, string modelId, PoolEndpoints pools, CancellationToken cancellationToken) =>
            pools.ReconcilePoolAsync(request, modelId, cancellationToken)).WithName("ReconcilePool");
    }
}
