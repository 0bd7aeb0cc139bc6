using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SynthflowConnector.Calls;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Hooks;
using SynthflowConnector.Pools;
using SynthflowConnector.Storage;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector;

public static class InfrastructureServiceCollectionExtensions
{
    /// <summary>
    /// The adapters behind the core's ports: the Synthflow client, the stores and queues on <c>AzureWebJobsStorage</c>, and
    /// the call-ended trigger's callback sender, and account pacing (<see cref="IAccountPacingStore"/> plus
    /// <c>AddConnectorPacing</c>). (The Host adds <c>AddHookQueueProcessors</c> on top.)
    /// </summary>
    public static IServiceCollection AddConnectorInfrastructure(this IServiceCollection services)
    {
        services.AddSynthflowClient();
        services.TryAddSingleton(sp => new ConnectorTables(sp.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton<CallerIdCursorCache>();
        services.TryAddSingleton<ICallLedger, TableCallLedger>();
        services.TryAddSingleton<ICallerIdStore, TableCallerIdStore>();
        services.TryAddSingleton<IPoolStore, TablePoolStore>();
        services.AddHookAdapters();
        services.TryAddSingleton<ICampaignStore, TableCampaignStore>();
        services.TryAddSingleton<ISuppressionStore, TableSuppressionStore>();

        // Account-wide pacing: the shared record, and the core's pacer that make-a-call and campaigns use.
        services.TryAddSingleton<IAccountPacingStore, TableAccountPacingStore>();
        services.AddConnectorPacing();
        return services;
    }
}
