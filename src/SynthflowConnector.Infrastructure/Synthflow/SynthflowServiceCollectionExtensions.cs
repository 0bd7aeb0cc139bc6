using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SynthflowConnector.Synthflow;

public static class SynthflowServiceCollectionExtensions
{
    /// <summary>
    /// Built once: the typed client is transient, so this callback runs for every client created (several per action),
    /// and Assembly.GetName() plus parsing the header value each time showed up in the list action's CPU profile.
    /// </summary>
    private static readonly ProductInfoHeaderValue UserAgent =
        new("SynthflowConnector", typeof(SynthflowClient).Assembly.GetName().Version?.ToString(3));

    /// <summary>
    /// Registers <see cref="ISynthflowClient"/> as a typed client. Options come from the <c>Synthflow</c> section and are
    /// validated at start-up. The endpoint comes from <see cref="ISynthflowEndpointProvider"/>: the region in live mode,
    /// or whatever a host registered before (the sandbox, a test).
    /// </summary>
    public static IServiceCollection AddSynthflowClient(this IServiceCollection services)
    {
        services.AddOptions<SynthflowOptions>().BindConfiguration(SynthflowOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SynthflowOptions>, SynthflowOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SynthflowRateLimiter>();
        services.TryAddSingleton<SynthflowResilience>();
        services.TryAddSingleton<ISynthflowEndpointProvider, RegionalSynthflowEndpointProvider>();

        services.AddHttpClient<ISynthflowClient, SynthflowClient>(client =>
            {
                // Polly bounds each attempt; HttpClient's own timeout would cut retries short.
                client.Timeout = Timeout.InfiniteTimeSpan;
                client.DefaultRequestHeaders.UserAgent.Add(UserAgent);
            })
            // The factory's default loggers write full URLs, which hold phone numbers (slugs, lead_phone_number).
            .RemoveAllLoggers();
        return services;
    }
}
