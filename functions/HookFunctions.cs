using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using SynthflowConnector.Http;

namespace SynthflowConnector.Functions;

/// <summary>The "When a call ends" trigger's subscription API, and Synthflow's webhook receiver.</summary>
public sealed class HookFunctions(HookEndpoints hooks)
{
    [Function("WhenCallEnds")]
    public Task<IResult> WhenCallEnds(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ConnectorRoutes.CallEndedHooks)] HttpRequest request,
        CancellationToken cancellationToken)
        => hooks.SubscribeCallEndedAsync(request, cancellationToken);

    [Function("ListCallEndedSubscriptions")]
    public Task<IResult> ListCallEndedSubscriptions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.CallEndedHooks)] HttpRequest request,
        CancellationToken cancellationToken)
        => hooks.ListCallEndedSubscriptionsAsync(request, cancellationToken);

    [Function("ListCallEndedFailures")]
    public Task<IResult> ListCallEndedFailures(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.CallEndedHookFailures)] HttpRequest request,
        CancellationToken cancellationToken)
        => hooks.ListCallEndedFailuresAsync(request, cancellationToken);

    [Function("DeleteCallEndedSubscription")]
    public Task<IResult> DeleteCallEndedSubscription(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = ConnectorRoutes.CallEndedHook)] HttpRequest request,
        string subscriptionId,
        CancellationToken cancellationToken)
        => hooks.UnsubscribeCallEndedAsync(request, subscriptionId, cancellationToken);

    /// <summary>Anonymous: Synthflow sends no function key. The intake authenticates each webhook by its signature.</summary>
    [Function("ReceiveSynthflowWebhook")]
    public Task<IResult> ReceiveSynthflowWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = ConnectorRoutes.SynthflowWebhook)] HttpRequest request,
        CancellationToken cancellationToken)
        => hooks.ReceiveSynthflowWebhookAsync(request, cancellationToken);
}
