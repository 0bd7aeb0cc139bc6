using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Hooks;
using SynthflowConnector.Hosting;
using SynthflowConnector.Http;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector;

public static class ConnectorServiceCollectionExtensions
{
    /// <summary>
    /// Everything both hosts need, in one call (the Functions app's Program.cs and the Host's make the same call).
    /// With no <c>Synthflow__ApiKey</c> the app runs in sandbox mode: the built-in simulator stands in for Synthflow
    /// and no real call is ever placed.
    /// </summary>
    public static IServiceCollection AddSynthflowConnector(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (ConnectorMode.IsSandbox(configuration))
        {
            services.TryAddSingleton<SandboxHost>();
            services.TryAddSingleton<ISynthflowEndpointProvider>(sp => sp.GetRequiredService<SandboxHost>());
            services.AddHostedService(sp => sp.GetRequiredService<SandboxHost>());

            // In sandbox mode the account is the simulator: the pacer defaults to its limits.
            services.TryAddSingleton(sp =>
            {
                var sandbox = sp.GetRequiredService<SandboxHost>().Sandbox;
                return new SandboxAccountLimits(sandbox.CallsPerSecond, sandbox.MaxConcurrentCalls);
            });
        }

        services.AddConnectorCore();
        services.AddConnectorInfrastructure();
        services.AddConnectorHooks();
        services.AddConnectorCampaigns();
        services.TryAddSingleton<IWebhookSecretSource, WebhookSecretSource>();
        services.TryAddSingleton<IWebhookReceiverAddress, WebhookReceiverAddress>();
        services.TryAddSingleton<TriggerReadiness>();
        services.AddHostedService(sp => sp.GetRequiredService<TriggerReadiness>());
        services.TryAddSingleton<HealthEndpoint>();
        services.TryAddTransient<ConnectorEndpoints>();
        services.TryAddTransient<PoolEndpoints>();
        services.TryAddTransient<HookEndpoints>();
        services.AddConnectorCampaignsApi();
        return services;
    }
}
