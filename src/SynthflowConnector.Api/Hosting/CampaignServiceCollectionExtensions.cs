using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Http;

namespace SynthflowConnector.Hosting;

public static class CampaignServiceCollectionExtensions
{
    /// <summary>
    /// Both hosts: the campaign and suppression endpoints, the trigger's subscription endpoints and the dispatch
    /// settings (validated at start). The campaign services themselves come from the core.
    /// </summary>
    public static IServiceCollection AddConnectorCampaignsApi(this IServiceCollection services)
    {
        services.AddOptions<CampaignDispatchOptions>().BindConfiguration(CampaignDispatchOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CampaignDispatchOptions>, CampaignDispatchOptionsValidator>());
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
