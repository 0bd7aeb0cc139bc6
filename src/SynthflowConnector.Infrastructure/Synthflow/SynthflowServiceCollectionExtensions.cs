using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Refit;

namespace SynthflowConnector.Synthflow;

public static class SynthflowServiceCollectionExtensions
{
    /// <summary>The IHttpClientFactory name of the Synthflow client (benchmarks create it by this name).</summary>
    internal const string HttpClientName = nameof(ISynthflowClient);

    /// <summary>
    /// Built once: the typed client is transient, so this callback runs for every client created (several per action),
    /// and Assembly.GetName() plus parsing the header value each time showed up in the list action's CPU profile.
    /// </summary>
    private static readonly ProductInfoHeaderValue UserAgent =
        new("SynthflowConnector", typeof(SynthflowClient).Assembly.GetName().Version?.ToString(3));

    /// <summary>
    /// Registers <see cref="ISynthflowClient"/> over a source-generated Refit client created by IHttpClientFactory. Options come from the
    /// <c>Synthflow</c> section and are validated at start-up. The endpoint comes from <see cref="ISynthflowEndpointProvider"/>:
    /// the region in live mode, or whatever a host registered before (the sandbox, a test).
    /// </summary>
    public static IServiceCollection AddSynthflowClient(this IServiceCollection services)
    {
        services.AddOptions<SynthflowOptions>().BindConfiguration(SynthflowOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SynthflowOptions>, SynthflowOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SynthflowRateLimiter>();
        services.TryAddSingleton<ISynthflowEndpointProvider, RegionalSynthflowEndpointProvider>();
        services.TryAddTransient<ISynthflowClient>(sp => new SynthflowClient(
            sp.GetRequiredService<ISynthflowApi>(),
            sp.GetRequiredService<ISynthflowEndpointProvider>(),
            sp.GetRequiredService<IOptions<SynthflowOptions>>(),
            sp.GetRequiredService<ILogger<SynthflowClient>>()));

        // Handlers run in the order added: endpoint and key once per call, then the pipeline, then once per attempt.
        // The generated-only registration: AddRefitClient would build Refit's reflection request builder (Refit.Reflection).
        var client = services.AddRefitGeneratedClient<ISynthflowApi>(SynthflowJson.Context, _ => SynthflowHttpPolicy.RefitSettings, HttpClientName)
            .ConfigureHttpClient(http =>
            {
                http.BaseAddress = SynthflowEndpointHandler.Placeholder;

                // Polly bounds each attempt; HttpClient's own timeout would cut retries short.
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.DefaultRequestHeaders.UserAgent.Add(UserAgent);
            })
            .AddHttpMessageHandler(sp => new SynthflowEndpointHandler(sp.GetRequiredService<ISynthflowEndpointProvider>()));
        client.AddResilienceHandler(SynthflowHttpPolicy.PipelineName, SynthflowHttpPolicy.Configure);
        client.AddHttpMessageHandler(() => new SynthflowAttemptHandler())

            // The factory's default loggers write full URLs, which hold phone numbers (slugs, lead_phone_number).
            .RemoveAllLoggers();
        return services;
    }
}
