using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SynthflowConnector.Agents;
using SynthflowConnector.Calls;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Hooks;
using SynthflowConnector.Pools;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector;

public static class CoreServiceCollectionExtensions
{
    /// <summary>
    /// The domain services and their validated options. The ports they need (<see cref="ISynthflowClient"/>,
    /// <see cref="IPoolStore"/>, <see cref="ICallLedger"/>, <see cref="ICallerIdStore"/>, the trigger's stores and queues) come from
    /// the infrastructure.
    /// </summary>
    public static IServiceCollection AddConnectorCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<SynthflowOptions>().BindConfiguration(SynthflowOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SynthflowOptions>, SynthflowOptionsValidator>());
        services.AddOptions<CallsOptions>().BindConfiguration(CallsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CallsOptions>, CallsOptionsValidator>());
        services.AddOptions<PoolsOptions>().BindConfiguration(PoolsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PoolsOptions>, PoolsOptionsValidator>());
        services.AddOptions<ReconcileOptions>().BindConfiguration(ReconcileOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ReconcileOptions>, ReconcileOptionsValidator>());
        services.AddOptions<HooksOptions>().BindConfiguration(HooksOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HooksOptions>, HooksOptionsValidator>());

        services.TryAddSingleton<AttachedNumbersCache>();
        services.TryAddTransient<AgentPhoneNumberService>();
        services.TryAddTransient<CallerIdService>();
        services.TryAddTransient<CallService>();
        services.TryAddTransient<IPoolReconciler, PoolReconciler>();
        return services;
    }

    /// <summary>
    /// The call-ended trigger's services (receiver, fan-out, delivery, sweep, subscriptions). Separate from
    /// <see cref="AddConnectorCore"/> because their ports (<see cref="IHookSubscriptionStore"/>, <see cref="ICallEventStore"/>,
    /// <see cref="IPlacedCallStore"/>, <see cref="IDeliveryFailureStore"/>, <see cref="IHookQueues"/>,
    /// <see cref="ICallbackSender"/>, <see cref="IWebhookSecretSource"/>) must be registered too: the composition root
    /// calls both. <see cref="HooksOptions"/> is registered and validated by <see cref="AddConnectorCore"/>.
    /// </summary>
    public static IServiceCollection AddConnectorHooks(this IServiceCollection services)
    {
        services.TryAddSingleton<HookSubscriptionCache>();
        services.TryAddTransient<CallEventIntake>();
        services.TryAddTransient<CallEventFanOut>();
        services.TryAddTransient<CallbackDelivery>();
        services.TryAddTransient<CallEndSweep>();
        services.TryAddTransient<HookSubscriptionService>();
        return services;
    }

    /// <summary>
    /// The campaigns' services: <see cref="CampaignService"/>, <see cref="SuppressionService"/>, <see cref="CampaignDispatcher"/>
    /// (run it with <c>RunAsync(options.DispatchBudget(now))</c> on <c>Campaigns__DispatchSchedule</c>), the campaign
    /// <see cref="ICallEndedObserver"/>, and <see cref="CampaignsOptions"/> validated at start. Needs <see cref="AddConnectorCore"/>,
    /// <see cref="AddConnectorHooks"/> and the stores (<see cref="ICampaignStore"/>, <see cref="ISuppressionStore"/>).
    /// </summary>
    public static IServiceCollection AddConnectorCampaigns(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<CampaignsOptions>().BindConfiguration(CampaignsOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CampaignsOptions>, CampaignsOptionsValidator>());
        services.TryAddSingleton<RecipientTimeZoneResolver>();
        services.TryAddTransient<CampaignService>();
        services.TryAddTransient<SuppressionService>();
        services.TryAddTransient<CampaignCompletion>();
        services.TryAddTransient<CampaignDispatcher>();
        services.TryAddEnumerable(ServiceDescriptor.Transient<ICallEndedObserver, CampaignCallEndedObserver>());
        return services;
    }
}

/// <summary>The one place that decides sandbox or live mode: live exactly when <c>Synthflow__ApiKey</c> is set.</summary>
public static class ConnectorMode
{
    /// <summary>At registration time, before options exist.</summary>
    public static bool IsSandbox(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return IsSandboxKey(configuration[$"{SynthflowOptions.SectionName}:{nameof(SynthflowOptions.ApiKey)}"]);
    }

    /// <summary>The rule itself, also behind <see cref="SynthflowOptions.IsSandbox"/>.</summary>
    public static bool IsSandboxKey(string? apiKey) => string.IsNullOrWhiteSpace(apiKey);
}
