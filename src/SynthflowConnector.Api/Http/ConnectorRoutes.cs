namespace SynthflowConnector.Http;

/// <summary>
/// Every route of the connector, relative to the <c>/api</c> prefix. Both hosts map these constants (the Functions
/// app through its attributes, the Host through <see cref="ConnectorEndpointRouteBuilderExtensions"/>), so a route
/// changes in one place only.
/// </summary>
public static class ConnectorRoutes
{
    /// <summary>The prefix both hosts serve under (Functions: <c>extensions.http.routePrefix</c> in host.json).</summary>
    public const string Prefix = "api";

    public const string Health = "health";
    public const string Agents = "agents";
    public const string AgentPhoneNumbers = "agents/{modelId}/phone-numbers";
    public const string AgentPhoneNumber = "agents/{modelId}/phone-numbers/{slug}";
    public const string PhoneNumbers = "phone-numbers";
    public const string Calls = "calls";
    public const string Call = "calls/{callId}";
    public const string Pools = "pools";
    public const string Pool = "pools/{modelId}";
    public const string PoolPlan = "pools/{modelId}/plan";
    public const string PoolReconcile = "pools/{modelId}/reconcile";
    public const string CallEndedHooks = "hooks/call-ended";
    public const string CallEndedHook = "hooks/call-ended/{subscriptionId}";
    public const string CallEndedHookFailures = "hooks/call-ended/failures";

    // Campaigns (issue 12).
    public const string Campaigns = "campaigns";
    public const string Campaign = "campaigns/{campaignId}";
    public const string CampaignRecipients = "campaigns/{campaignId}/recipients";
    public const string CampaignPause = "campaigns/{campaignId}/pause";
    public const string CampaignResume = "campaigns/{campaignId}/resume";
    public const string CampaignCancel = "campaigns/{campaignId}/cancel";
    public const string Suppressions = "suppressions";
    public const string Suppression = "suppressions/{phone}";
    public const string CampaignCompletedHooks = "hooks/campaign-completed";
    public const string CampaignCompletedHook = "hooks/campaign-completed/{subscriptionId}";

    /// <summary>Synthflow's post-call webhooks: anonymous (Synthflow sends no key), authenticated by their signature.</summary>
    public const string SynthflowWebhook = "webhooks/synthflow";

    /// <summary>The routes served without a function key: the health probe and the webhook receiver. Neither is a connector operation.</summary>
    public static IReadOnlyList<string> Anonymous { get; } = [Health, SynthflowWebhook];
}
