using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Hosting;

/// <summary>
/// The Host's stand-in for the <c>SweepEndedCalls</c> timer: runs <see cref="CallEndSweep"/> on
/// <c>Hooks__SweepSchedule</c> unless <c>Hooks__SweepEnabled</c> is false.
/// </summary>
public sealed class CallEndSweepScheduler(
    IServiceScopeFactory scopes,
    IOptions<HooksOptions> options,
    TimeProvider timeProvider,
    ILogger<CallEndSweepScheduler> logger) : CronScheduler<CallEndSweepSummary>(scopes, timeProvider, logger)
{
    protected override string JobName => "call-end sweep";

    protected override (string Enabled, string Schedule) SettingNames => ("Hooks__SweepEnabled", "Hooks__SweepSchedule");

    protected override (bool Enabled, string? Schedule) ReadSettings() => (options.Value.SweepEnabled, options.Value.SweepSchedule);

    protected override Task<CallEndSweepSummary> RunAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetRequiredService<CallEndSweep>().RunAsync(cancellationToken);
}

public static class CallEndSweepSchedulerServiceCollectionExtensions
{
    /// <summary>
    /// The Host only: runs the call-end sweep on <c>Hooks__SweepSchedule</c>. The Functions app must not call this; its
    /// timer trigger (<c>SweepEndedCalls</c>) does the same job there.
    /// </summary>
    public static IServiceCollection AddCallEndSweepScheduler(this IServiceCollection services)
    {
        services.TryAddSingleton<CallEndSweepScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<CallEndSweepScheduler>());
        return services;
    }
}
