using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Pools;

namespace SynthflowConnector.Hosting;

/// <summary>
/// The Host's stand-in for a Functions timer: runs one job on a six-field NCRONTAB schedule (UTC), one run at a time,
/// in a fresh DI scope per run. Waits on <see cref="TimeProvider"/>, so tests move time instead of waiting.
/// Occurrences missed while a run overran are collapsed into the next one, as the Functions timer does; a failed run
/// is logged and the next occurrence tries again.
/// </summary>
/// <typeparam name="TSummary">What one run reports.</typeparam>
public abstract partial class CronScheduler<TSummary>(IServiceScopeFactory scopes, TimeProvider timeProvider, ILogger logger) : BackgroundService
{
    private TaskCompletionSource<DateTimeOffset> _armed = NewSource<DateTimeOffset>();
    private TaskCompletionSource<TSummary> _completed = NewSource<TSummary>();

    /// <summary>
    /// Completes with the occurrence the scheduler waits for, once its timer is set: moving the clock to it then starts
    /// a run. For tests and diagnostics.
    /// </summary>
    public Task<DateTimeOffset> NextOccurrence => Volatile.Read(ref _armed).Task;

    /// <summary>Completes with the summary of the next run to finish (faulted if that run throws).</summary>
    public Task<TSummary> NextRunCompleted => Volatile.Read(ref _completed).Task;

    /// <summary>The job, for log lines ("reconcile", "call-end sweep").</summary>
    protected abstract string JobName { get; }

    /// <summary>The settings that switch the job off and schedule it, for log lines and errors (<c>Reconcile__Enabled</c>).</summary>
    protected abstract (string Enabled, string Schedule) SettingNames { get; }

    /// <summary>Whether the job runs at all, and its schedule.</summary>
    protected abstract (bool Enabled, string? Schedule) ReadSettings();

    /// <summary>True when the run that just ended left work it could not finish in its budget: the next run starts at once instead of at the next occurrence.</summary>
    protected virtual bool RunAgainNow(TSummary summary) => false;

    /// <summary>One run, with services from the run's own scope.</summary>
    protected abstract Task<TSummary> RunAsync(IServiceProvider services, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var (enabled, expression) = ReadSettings();
        if (!enabled)
        {
            LogOff(logger, JobName, SettingNames.Enabled);
            return;
        }

        if (!ReconcileOptions.TryParseSchedule(expression, out var schedule))
        {
            // The options validators refuse this at start-up; reaching here means validation was bypassed.
            throw new InvalidOperationException($"{SettingNames.Schedule} '{expression}' is not a six-field NCRONTAB expression.");
        }

        var again = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (again)
            {
                again = await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                continue;
            }

            var now = timeProvider.GetUtcNow();
            var next = new DateTimeOffset(schedule.GetNextOccurrence(now.UtcDateTime), TimeSpan.Zero);
            var wait = Task.Delay(next - now, timeProvider, stoppingToken);
            LogNext(logger, JobName, next);
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
            again = await RunOnceAsync(stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>One run; true when it asks for the next one at once.</summary>
    private async Task<bool> RunOnceAsync(CancellationToken stoppingToken)
    {
        var completed = Interlocked.Exchange(ref _completed, NewSource<TSummary>());
        try
        {
            // A scope per run: the jobs and their typed HTTP clients are transient.
            using var scope = scopes.CreateScope();
            var summary = await RunAsync(scope.ServiceProvider, stoppingToken).ConfigureAwait(false);
            completed.TrySetResult(summary);
            return RunAgainNow(summary);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            completed.TrySetCanceled(stoppingToken);
        }
        catch (Exception exception)
        {
            // One broken run (storage down, say) must not stop the schedule: the next occurrence tries again.
            LogRunFailed(logger, exception, JobName);
            completed.TrySetException(exception);
        }

        return false;
    }

    private static TaskCompletionSource<T> NewSource<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Job} scheduler is off ({Setting} is false)")]
    private static partial void LogOff(ILogger logger, string job, string setting);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Next {Job} run at {Next:O}")]
    private static partial void LogNext(ILogger logger, string job, DateTimeOffset next);

    [LoggerMessage(Level = LogLevel.Error, Message = "The {Job} run failed; the next occurrence tries again")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string job);
}
