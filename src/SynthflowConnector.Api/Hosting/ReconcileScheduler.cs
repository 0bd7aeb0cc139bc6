using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Pools;

namespace SynthflowConnector.Hosting;

/// <summary>
/// The Host's stand-in for the <c>ReconcilePools</c> timer: runs the reconciler on <c>Reconcile__Schedule</c> unless
/// <c>Reconcile__Enabled</c> is false (reconcile-now still works then).
/// </summary>
public sealed class ReconcileScheduler(
    IServiceScopeFactory scopes,
    IOptions<ReconcileOptions> options,
    TimeProvider timeProvider,
    ILogger<ReconcileScheduler> logger) : CronScheduler<ReconcileRunSummary>(scopes, timeProvider, logger)
{
    protected override string JobName => "reconcile";

    protected override (string Enabled, string Schedule) SettingNames => ("Reconcile__Enabled", "Reconcile__Schedule");

    protected override (bool Enabled, string? Schedule) ReadSettings() => (options.Value.Enabled, options.Value.Schedule);

    protected override Task<ReconcileRunSummary> RunAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        services.GetRequiredService<IPoolReconciler>().RunAsync(cancellationToken);
}

public static class ReconcileSchedulerServiceCollectionExtensions
{
    /// <summary>
    /// The Host only: runs the reconciler on <c>Reconcile__Schedule</c>. The Functions app must not call this; its
    /// timer trigger (<c>ReconcilePools</c>) does the same job there.
    /// </summary>
    public static IServiceCollection AddReconcileScheduler(this IServiceCollection services)
    {
        services.TryAddSingleton<ReconcileScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<ReconcileScheduler>());
        return services;
    }
}
