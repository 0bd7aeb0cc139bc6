using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using NCrontab;


namespace SynthflowConnector.Pools;

/// <summary>Settings of the <c>Pools</c> section.</summary>
public sealed class PoolsOptions
{
    public const string SectionName = "Pools";

    /// <summary>Table holding the desired state and last reconcile status of every pool (one partition per agent).</summary>
    public string TableName { get; set; } = "SynthflowPools";
}

/// <summary>Settings of the <c>Reconcile</c> section: when and how hard the reconciler works.</summary>
public sealed class ReconcileOptions
{
    public const string SectionName = "Reconcile";

    /// <summary>Six-field NCRONTAB (seconds first), the same expression the Functions timer reads.</summary>
    public string Schedule { get; set; } = "0 */5 * * * *";

    /// <summary>False turns the scheduled runs off (reconcile-now still works).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How many agents one run reconciles at once.</summary>
    public int MaxParallelAgents { get; set; } = 8;

    /// <summary>
    /// The run's time budget: no new agent starts once 90% of it has passed, so a run ends before the Functions timeout
    /// (10 minutes in host.json) and the rest waits for the next run, first in line.
    /// </summary>
    public TimeSpan MaxRunDuration { get; set; } = TimeSpan.FromMinutes(8);

    /// <summary>A plan detaching more numbers than this from one agent is blocked unless forced.</summary>
    public int MaxDetachPerRun { get; set; } = 5;

    /// <summary>When the run stops starting agents: 90% of the budget leaves the last ones room to finish.</summary>
    internal TimeSpan StartCutoff => MaxRunDuration * 0.9;

    internal static bool TryParseSchedule(string? expression, [NotNullWhen(true)] out CrontabSchedule? schedule)
    {
        schedule = string.IsNullOrWhiteSpace(expression)
            ? null
            : CrontabSchedule.TryParse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        return schedule is not null;
    }
}

internal sealed class PoolsOptionsValidator : IValidateOptions<PoolsOptions>
{
    public ValidateOptionsResult Validate(string? name, PoolsOptions options) =>
        Storage.TableNames.IsValid(options.TableName)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Pools__TableName must be a table name: 3 to 63 letters or digits, starting with a letter (was '{options.TableName}').");
}

internal sealed class ReconcileOptionsValidator : IValidateOptions<ReconcileOptions>
{
    public ValidateOptionsResult Validate(string? name, ReconcileOptions options)
    {
        var failures = new List<string>();
        if (!ReconcileOptions.TryParseSchedule(options.Schedule, out _))
        {
            failures.Add($"Reconcile__Schedule must be a six-field NCRONTAB expression, seconds first, e.g. '0 */5 * * * *' (was '{options.Schedule}').");
        }

        if (options.MaxParallelAgents is < 1 or > 64)
        {
            failures.Add($"Reconcile__MaxParallelAgents must be between 1 and 64 (was {options.MaxParallelAgents}).");
        }

        if (options.MaxRunDuration < TimeSpan.FromMinutes(1) || options.MaxRunDuration > TimeSpan.FromHours(12))
        {
            failures.Add($"Reconcile__MaxRunDuration must be between 00:01:00 and 12:00:00 (was {options.MaxRunDuration}); keep it under the Functions timeout.");
        }

        if (options.MaxDetachPerRun is < 0 or > 1000)
        {
            failures.Add($"Reconcile__MaxDetachPerRun must be between 0 and 1000 (was {options.MaxDetachPerRun}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
