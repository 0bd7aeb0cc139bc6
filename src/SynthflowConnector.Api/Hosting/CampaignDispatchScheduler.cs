using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NCrontab;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Pools;

namespace SynthflowConnector.Hosting;

/// <summary>When the campaign dispatcher runs: the Functions timer <c>DispatchCampaigns</c> and the Host's scheduler read the same settings.</summary>
public sealed class CampaignDispatchOptions
{
    public const string SectionName = "Campaigns";
    public const string DefaultSchedule = "*/10 * * * * *";

    /// <summary>Six-field NCRONTAB, seconds first, UTC (<c>Campaigns__DispatchSchedule</c>).</summary>
    public string DispatchSchedule { get; set; } = DefaultSchedule;

    /// <summary>False turns the scheduled dispatch off (Host scheduler and Functions timer): campaigns then wait.</summary>
    public bool DispatchEnabled { get; set; } = true;

    /// <summary>The longest budget of a run: under the Functions timeout (10 minutes in host.json).</summary>
    public static readonly TimeSpan MaxBudget = TimeSpan.FromMinutes(9);

    /// <summary>
    /// The budget of the run due at <paramref name="now"/>: just under the gap to the next occurrence but one, so a run
    /// ends before the next starts (the Functions timer skips an occurrence while a run is still going).
    /// </summary>
    public TimeSpan Budget(DateTimeOffset now)
    {
        if (!TryParseSchedule(DispatchSchedule, out var schedule))
        {
            return TimeSpan.FromSeconds(1);
        }

        var next = schedule.GetNextOccurrence(now.UtcDateTime);
        var period = schedule.GetNextOccurrence(next) - next;
        var budget = period - TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, period.Ticks / 10));
        return budget < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : budget > MaxBudget ? MaxBudget : budget;
    }

    internal static bool TryParseSchedule(string? expression, [NotNullWhen(true)] out CrontabSchedule? schedule) =>
        ReconcileOptions.TryParseSchedule(expression, out schedule);
}

internal sealed class CampaignDispatchOptionsValidator : IValidateOptions<CampaignDispatchOptions>
{
    public ValidateOptionsResult Validate(string? name, CampaignDispatchOptions options) =>
        CampaignDispatchOptions.TryParseSchedule(options.DispatchSchedule, out _)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Campaigns__DispatchSchedule must be a six-field NCRONTAB expression, seconds first, e.g. '{CampaignDispatchOptions.DefaultSchedule}' (was '{options.DispatchSchedule}').");
}

/// <summary>The Host's stand-in for the <c>DispatchCampaigns</c> timer: runs the dispatcher on <c>Campaigns__DispatchSchedule</c>.</summary>
public sealed class CampaignDispatchScheduler(
    IServiceScopeFactory scopes,
    IOptions<CampaignDispatchOptions> options,
    TimeProvider timeProvider,
    ILogger<CampaignDispatchScheduler> logger) : CronScheduler<DispatchSummary>(scopes, timeProvider, logger)
{
    protected override string JobName => "campaign dispatch";

    protected override (string Enabled, string Schedule) SettingNames => ("Campaigns__DispatchEnabled", "Campaigns__DispatchSchedule");

    protected override (bool Enabled, string? Schedule) ReadSettings() => (options.Value.DispatchEnabled, options.Value.DispatchSchedule);

    protected override Task<DispatchSummary> RunAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetRequiredService<CampaignDispatcher>().RunAsync(options.Value.Budget(services.GetRequiredService<TimeProvider>().GetUtcNow()), cancellationToken);
}
