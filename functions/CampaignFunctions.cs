using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using SynthflowConnector.Http;

namespace SynthflowConnector.Functions;

/// <summary>The campaign actions: create, list, get, recipients, pause, resume, cancel.</summary>
public sealed class CampaignFunctions(CampaignEndpoints campaigns)
{
    [Function("CreateCampaign")]
    public Task<IResult> CreateCampaign(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ConnectorRoutes.Campaigns)] HttpRequest request,
        CancellationToken cancellationToken)
        => campaigns.CreateCampaignAsync(request, cancellationToken);

    [Function("ListCampaigns")]
    public Task<IResult> ListCampaigns(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.Campaigns)] HttpRequest request,
        CancellationToken cancellationToken)
        => campaigns.ListCampaignsAsync(request, cancellationToken);

    [Function("GetCampaign")]
    public Task<IResult> GetCampaign(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.Campaign)] HttpRequest request,
        string campaignId,
        CancellationToken cancellationToken)
        => campaigns.GetCampaignAsync(request, campaignId, cancellationToken);

    [Function("ListCampaignRecipients")]
    public Task<IResult> ListCampaignRecipients(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.CampaignRecipients)] HttpRequest request,
        string campaignId,
        CancellationToken cancellationToken)
        => campaigns.ListCampaignRecipientsAsync(request, campaignId, cancellationToken);

    [Function("PauseCampaign")]
    public Task<IResult> PauseCampaign(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ConnectorRoutes.CampaignPause)] HttpRequest request,
        string campaignId,
        CancellationToken cancellationToken)
        => campaigns.PauseCampaignAsync(request, campaignId, cancellationToken);

    [Function("ResumeCampaign")]
    public Task<IResult> ResumeCampaign(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ConnectorRoutes.CampaignResume)] HttpRequest request,
        string campaignId,
        CancellationToken cancellationToken)
        => campaigns.ResumeCampaignAsync(request, campaignId, cancellationToken);

    [Function("CancelCampaign")]
    public Task<IResult> CancelCampaign(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ConnectorRoutes.CampaignCancel)] HttpRequest request,
        string campaignId,
        CancellationToken cancellationToken)
        => campaigns.CancelCampaignAsync(request, campaignId, cancellationToken);
}

/// <summary>The suppression (do-not-call) list.</summary>
public sealed class SuppressionFunctions(SuppressionEndpoints suppressions)
{
    [Function("ListSuppressions")]
    public Task<IResult> ListSuppressions(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.Suppressions)] HttpRequest request,
        CancellationToken cancellationToken)
        => suppressions.ListSuppressionsAsync(request, cancellationToken);

    [Function("SuppressNumbers")]
    public Task<IResult> SuppressNumbers(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ConnectorRoutes.Suppressions)] HttpRequest request,
        CancellationToken cancellationToken)
        => suppressions.SuppressNumbersAsync(request, cancellationToken);

    [Function("GetSuppression")]
    public Task<IResult> GetSuppression(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = ConnectorRoutes.Suppression)] HttpRequest request,
        string phone,
        CancellationToken cancellationToken)
        => suppressions.GetSuppressionAsync(request, phone, cancellationToken);

    [Function("SuppressNumber")]
    public Task<IResult> SuppressNumber(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = ConnectorRoutes.Suppression)] HttpRequest request,
        string phone,
        CancellationToken cancellationToken)
        => suppressions.SuppressNumberAsync(request, phone, cancellationToken);

    [Function("RemoveSuppression")]
    public Task<IResult> RemoveSuppression(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = ConnectorRoutes.Suppression)] HttpRequest request,
        string phone,
        CancellationToken cancellationToken)
        => suppressions.RemoveSuppressionAsync(request, phone, cancellationToken);
}

/// <summary>The "When a campaign completes" trigger's subscription API.</summary>
public sealed class CampaignHookFunctions(CampaignHookEndpoints hooks)
{
    [Function("WhenCampaignCompletes")]
    public Task<IResult> WhenCampaignCompletes(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = ConnectorRoutes.CampaignCompletedHooks)] HttpRequest request,
        CancellationToken cancellationToken)
        => hooks.SubscribeCampaignCompletedAsync(request, cancellationToken);

    [Function("DeleteCampaignCompletedSubscription")]
    public Task<IResult> DeleteCampaignCompletedSubscription(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = ConnectorRoutes.CampaignCompletedHook)] HttpRequest request,
        string subscriptionId,
        CancellationToken cancellationToken)
        => hooks.UnsubscribeCampaignCompletedAsync(request, subscriptionId, cancellationToken);
}
