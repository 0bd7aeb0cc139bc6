using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace SynthflowConnector.Http;

/// <summary>The Host's mapping of the campaign, suppression and campaign-completed routes (all need the function key).</summary>
internal static class CampaignRouteMappings
{
    public static void Map(RouteGroupBuilder secured)
    {
        secured.MapPost(ConnectorRoutes.Campaigns, (HttpRequest request, CampaignEndpoints campaigns, CancellationToken cancellationToken) =>
            campaigns.CreateCampaignAsync(request, cancellationToken)).WithName("CreateCampaign");
        secured.MapGet(ConnectorRoutes.Campaigns, (HttpRequest request, CampaignEndpoints campaigns, CancellationToken cancellationToken) =>
            campaigns.ListCampaignsAsync(request, cancellationToken)).WithName("ListCampaigns");
        secured.MapGet(ConnectorRoutes.Campaign, (HttpRequest request, string campaignId, CampaignEndpoints campaigns, CancellationToken cancellationToken) =>
            campaigns.GetCampaignAsync(request, campaignId, cancellationToken)).WithName("GetCampaign");
        secured.MapGet(ConnectorRoutes.CampaignRecipients, (HttpRequest request, string campaignId, CampaignEndpoints campaigns, CancellationToken cancellationToken) =>
            campaigns.ListCampaignRecipientsAsync(request, campaignId, cancellationToken)).WithName("ListCampaignRecipients");
        secured.MapPost(ConnectorRoutes.CampaignPause, (HttpRequest request, string campaignId, CampaignEndpoints campaigns, CancellationToken cancellationToken) =>
            campaigns.PauseCampaignAsync(request, campaignId, cancellationToken)).WithName("PauseCampaign");
        secured.MapPost(ConnectorRoutes.CampaignResume, (HttpRequest request, string campaignId, CampaignEndpoints campaigns, CancellationToken cancellationToken) =>
            campaigns.ResumeCampaignAsync(request, campaignId, cancellationToken)).WithName("ResumeCampaign");
        secured.MapPost(ConnectorRoutes.CampaignCancel, (HttpRequest request, string campaignId, CampaignEndpoints campaigns, CancellationToken cancellationToken) =>
            campaigns.CancelCampaignAsync(request, campaignId, cancellationToken)).WithName("CancelCampaign");

        secured.MapGet(ConnectorRoutes.Suppressions, (HttpRequest request, SuppressionEndpoints suppressions, CancellationToken cancellationToken) =>
            suppressions.ListSuppressionsAsync(request, cancellationToken)).WithName("ListSuppressions");
        secured.MapPost(ConnectorRoutes.Suppressions, (HttpRequest request, SuppressionEndpoints suppressions, CancellationToken cancellationToken) =>
            suppressions.SuppressNumbersAsync(request, cancellationToken)).WithName("SuppressNumbers");
        secured.MapGet(ConnectorRoutes.Suppression, (HttpRequest request, string phone, SuppressionEndpoints suppressions, CancellationToken cancellationToken) =>
            suppressions.GetSuppressionAsync(request, phone, cancellationToken)).WithName("GetSuppression");
        secured.MapPut(ConnectorRoutes.Suppression, (HttpRequest request, string phone, SuppressionEndpoints suppressions, CancellationToken cancellationToken) =>
            suppressions.SuppressNumberAsync(request, phone, cancellationToken)).WithName("SuppressNumber");
        secured.MapDelete(ConnectorRoutes.Suppression, (HttpRequest request, string phone, SuppressionEndpoints suppressions, CancellationToken cancellationToken) =>
            suppressions.RemoveSuppressionAsync(request, phone, cancellationToken)).WithName("RemoveSuppression");

        secured.MapPost(ConnectorRoutes.CampaignCompletedHooks, (HttpRequest request, CampaignHookEndpoints hooks, CancellationToken cancellationToken) =>
            hooks.SubscribeCampaignCompletedAsync(request, cancellationToken)).WithName("WhenCampaignCompletes");
        secured.MapDelete(ConnectorRoutes.CampaignCompletedHook, (HttpRequest request, string subscriptionId, CampaignHookEndpoints hooks, CancellationToken cancellationToken) =>
            hooks.UnsubscribeCampaignCompletedAsync(request, subscriptionId, cancellationToken)).WithName("DeleteCampaignCompletedSubscription");
    }
}
