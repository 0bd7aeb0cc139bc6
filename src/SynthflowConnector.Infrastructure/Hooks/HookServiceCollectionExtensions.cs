using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SynthflowConnector.Storage;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Hooks;

public static class HookServiceCollectionExtensions
{
    /// <summary>
    /// The Host's queue triggers: a <see cref="HookQueueProcessor"/> serving <c>call-events</c>
    /// (<see cref="CallEventFanOut"/>) and <c>call-deliveries</c> (<see cref="CallbackDelivery"/>), both resolved from DI.
    /// Not for the Functions app, whose QueueTriggers do this. Needs <c>AddConnectorInfrastructure</c>.
    /// </summary>
    public static IServiceCollection AddHookQueueProcessors(this IServiceCollection services, Action<HookQueueProcessorOptions>? configure = null)
    {
        services.AddHookAdapters();
        var options = services.AddOptions<HookQueueProcessorOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddSingleton(new HookQueueBinding(
            IHookQueues.EventsQueue,
            (provider, body, cancellationToken) =>
                provider.GetRequiredService<CallEventFanOut>().HandleAsync(HookQueueMessages.ReadCallEvent(body), cancellationToken)));
        services.AddSingleton(new HookQueueBinding(
            IHookQueues.DeliveriesQueue,
            (provider, body, cancellationToken) =>
                provider.GetRequiredService<CallbackDelivery>().HandleAsync(HookQueueMessages.ReadDelivery(body), cancellationToken)));
        services.AddHostedService<HookQueueProcessor>();
        return services;
    }

    /// <summary>The call-ended trigger's adapters: queues, the four stores, the callback sender and the enqueue signal.</summary>
    internal static IServiceCollection AddHookAdapters(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ConnectorTables(sp.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton(sp => new ConnectorQueues(sp.GetRequiredService<IConfiguration>()));
        services.TryAddSingleton<HookQueueSignal>();
        services.TryAddSingleton<IHookQueues, StorageHookQueues>();
        services.TryAddSingleton<IHookSubscriptionStore, TableHookSubscriptionStore>();
        services.TryAddSingleton<ICallEventStore, TableCallEventStore>();
        services.TryAddSingleton<IPlacedCallStore, TablePlacedCallStore>();
        services.TryAddSingleton<IDeliveryFailureStore, TableDeliveryFailureStore>();
        if (!services.Any(descriptor => descriptor.ServiceType == typeof(ICallbackSender)))
        {
            services.AddHttpClient<ICallbackSender, HttpCallbackSender>(HttpCallbackSender.HttpClientName)

                // The caller's token is the delivery timeout; HttpClient's own would fire first with a different error.
                .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan)
                .ConfigurePrimaryHttpMessageHandler(sp => HttpCallbackSender.CreateHandler(sandbox: sp.GetRequiredService<IOptions<SynthflowOptions>>().Value.IsSandbox))

                // The factory's default loggers write full URLs, and a callback URL's query carries its signature.
                .RemoveAllLoggers();
        }

        return services;
    }
}
