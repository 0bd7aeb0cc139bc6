using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Http;

namespace SynthflowConnector.Hosting;

public static class CampaignServiceCollectionExtensions
{
    /// <summary>
    /// Both hosts: the campaign and suppression endpoints, and the trigger's subscription endpoints. The campaign
    /// services and their settings (<see cref="CampaignsOptions"/>, one class for the <c>Campaigns</c> section, validated
    /// at start) come from the core's <c>AddConnectorCampaigns</c>.
    /// </summary>
    public static IServiceCollection AddConnectorCampaignsApi(this IServiceCollection services)
    {
        services.TryAddTransient<CampaignService>();
        services.TryAddTransient<SuppressionService>();
        services.TryAddTransient<CampaignDispatcher>();
        services.TryAddTransient<CampaignEndpoints>();
        services.TryAddTransient<SuppressionEndpoints>();
        services.TryAddTransient<CampaignHookEndpoints>();
        return services;
    }

    /// <summary>
    /// The Host only: runs the dispatcher on <c>Campaigns__DispatchSchedule</c>. The Functions app must not call this;
    /// its timer trigger (<c>DispatchCampaigns</c>) does the same job there.
    /// </summary>
    public static IServiceCollection AddCampaignDispatchScheduler(this IServiceCollection services)
    {
        services.TryAddSingleton<CampaignDispatchScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<CampaignDispatchScheduler>());
        return services;
    }
}
