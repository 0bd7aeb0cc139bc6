using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Pools;

namespace SynthflowConnector.Hosting;

/// <summary>
/// The Host's stand-in for the Functions timer: runs the reconciler on <c>Reconcile__Schedule</c> (six-field NCRONTAB,
/// UTC), one run at a time. Waits on <see cref="TimeProvider"/>, so tests move time instead of waiting. Occurrences
/// missed while a run overran are collapsed into the next one, as the Functions timer does.
/// </summary>
public sealed partial class ReconcileScheduler(
    IServiceScopeFactory scopes,
    IOptions<ReconcileOptions> options,
    TimeProvider timeProvider,
    ILogger<ReconcileScheduler> logger) : BackgroundService
{
    private TaskCompletionSource<DateTimeOffset> _armed = NewSource<DateTimeOffset>();
    private TaskCompletionSource<ReconcileRunSummary> _completed = NewSource<ReconcileRunSummary>();

    /// <summary>
    /// Completes with the occurrence the scheduler waits for, once its timer is set: moving the clock to it then starts
    /// a run. For tests and diagnostics.
    /// </summary>
    public Task<DateTimeOffset> NextOccurrence => Volatile.Read(ref _armed).Task;

    /// <summary>Completes with the summary of the next run to finish (faulted if that run throws).</summary>
    public Task<ReconcileRunSummary> NextRunCompleted => Volatile.Read(ref _completed).Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            LogOff(logger);
            return;
        }

        if (!ReconcileOptions.TryParseSchedule(settings.Schedule, out var schedule))
        {
            // ReconcileOptionsValidator refuses this at start-up; reaching here means validation was bypassed.
            throw new InvalidOperationException($"Reconcile__Schedule '{settings.Schedule}' is not a six-field NCRONTAB expression.");
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            var now = timeProvider.GetUtcNow();
            var next = new DateTimeOffset(schedule.GetNextOccurrence(now.UtcDateTime), TimeSpan.Zero);
            var wait = Task.Delay(next - now, timeProvider, stoppingToken);
            LogNext(logger, next);
            Volatile.Read(ref _armed).TrySetResult(next);
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            Volatile.Write(ref _armed, NewSource<DateTimeOffset>());
            await RunOnceAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    private async Task RunOnceAsync(CancellationToken stoppingToken)
    {
        var completed = Interlocked.Exchange(ref _completed, NewSource<ReconcileRunSummary>());
        try
        {
            // A scope per run: the reconciler and its typed HTTP client are transient.
            using var scope = scopes.CreateScope();
            var reconciler = scope.ServiceProvider.GetRequiredService<IPoolReconciler>();
            var summary = await reconciler.RunAsync(stoppingToken).ConfigureAwait(false);
            completed.TrySetResult(summary);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            completed.TrySetCanceled(stoppingToken);
        }
        catch (Exception exception)
        {
            // One broken run (storage down, say) must not stop the schedule: the next occurrence tries again.
            LogRunFailed(logger, exception);
            completed.TrySetException(exception);
        }
    }

    private static TaskCompletionSource<T> NewSource<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconcile scheduler is off (Reconcile__Enabled is false); reconcile-now still works")]
    private static partial void LogOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Next reconcile run at {Next:O}")]
    private static partial void LogNext(ILogger logger, DateTimeOffset next);

    [LoggerMessage(Level = LogLevel.Error, Message = "The reconcile run failed; the next occurrence tries again")]
    private static partial void LogRunFailed(ILogger logger, Exception exception);
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
