using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SynthflowConnector.Agents;
using SynthflowConnector.Calls;
using SynthflowConnector.Hosting;
using SynthflowConnector.Http;
using SynthflowConnector.Pools;
using SynthflowConnector.Storage;
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
        if (string.IsNullOrWhiteSpace(configuration[$"{SynthflowOptions.SectionName}:{nameof(SynthflowOptions.ApiKey)}"]))
        {
            services.TryAddSingleton<SandboxHost>();
            services.TryAddSingleton<ISynthflowEndpointProvider>(sp => sp.GetRequiredService<SandboxHost>());
            services.AddHostedService(sp => sp.GetRequiredService<SandboxHost>());
        }

        services.AddSynthflowClient();
        services.AddOptions<CallsOptions>().BindConfiguration(CallsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CallsOptions>, CallsOptionsValidator>());
        services.AddOptions<PoolsOptions>().BindConfiguration(PoolsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PoolsOptions>, PoolsOptionsValidator>());
        services.AddOptions<ReconcileOptions>().BindConfiguration(ReconcileOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReconcileOptions>, ReconcileOptionsValidator>());

        services.TryAddSingleton(sp => new ConnectorTables(sp.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton<AttachedNumbersCache>();
        services.TryAddTransient<AgentPhoneNumberService>();
        services.TryAddSingleton<CallerIdCursorCache>();
        services.TryAddTransient<CallerIdService>();
        services.TryAddTransient<CallService>();
        services.TryAddSingleton<HealthEndpoint>();
        services.TryAddTransient<ConnectorEndpoints>();
        services.TryAddSingleton<IPoolStore, TablePoolStore>();
        services.TryAddTransient<IPoolReconciler, PoolReconciler>();
        services.TryAddTransient<PoolEndpoints>();
        return services;
    }
}
