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

    /// <summary>A run that spent its budget with recipients still due is followed by the next at once: no gap between runs.</summary>
    protected override bool RunAgainNow(DispatchSummary summary) => summary.MoreDue;

    /// <summary>
    /// The Host is a long-lived process, so a run goes on while there is work (up to
    /// <see cref="CampaignsOptions.MaxDispatchBudget"/>), looking for new, resumed and finished campaigns once per schedule
    /// period: starts keep the account's pace without a pause at each occurrence. (A Functions timer run must end within
    /// its occurrence, so it keeps the budget of nine tenths of the period.)
    /// </summary>
    protected override Task<DispatchSummary> RunAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        return services.GetRequiredService<CampaignDispatcher>().RunAsync(CampaignsOptions.MaxDispatchBudget, cancellationToken, relistEvery: options.Value.DispatchPeriod(now));
    }
}
