using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Hosting;

/// <summary>The Host's stand-in for the <c>DispatchCampaigns</c> timer: runs the dispatcher on <c>Campaigns__DispatchSchedule</c>.</summary>
public sealed class CampaignDispatchScheduler(
    IServiceScopeFactory scopes,
    IOptions<CampaignsOptions> options,
    TimeProvider timeProvider,
    ILogger<CampaignDispatchScheduler> logger) : CronScheduler<DispatchSummary>(scopes, timeProvider, logger)
{
    protected override string JobName => "campaign dispatch";

    protected override (string Enabled, string Schedule) SettingNames => ("Campaigns__DispatchEnabled", "Campaigns__DispatchSchedule");

    protected override (bool Enabled, string? Schedule) ReadSettings() => (options.Value.DispatchEnabled, options.Value.DispatchSchedule);

    protected override Task<DispatchSummary> RunAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetRequiredService<CampaignDispatcher>().RunAsync(options.Value.DispatchBudget(services.GetRequiredService<TimeProvider>().GetUtcNow()), cancellationToken);
}
