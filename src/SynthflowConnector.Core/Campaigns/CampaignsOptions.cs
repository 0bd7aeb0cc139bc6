using Microsoft.Extensions.Options;
using SynthflowConnector.Pools;

namespace SynthflowConnector.Campaigns;

/// <summary>Settings of the <c>Campaigns</c> section: the dispatcher's schedule and pace of work, opt-out handling.</summary>
public sealed class CampaignsOptions
{
    public const string SectionName = "Campaigns";

    /// <summary>The longest budget of a dispatcher run: under the Functions timeout (10 minutes in host.json).</summary>
    public static readonly TimeSpan MaxDispatchBudget = TimeSpan.FromMinutes(9);

    /// <summary>False turns the scheduled dispatch off (Host scheduler and Functions timer): campaigns then wait.</summary>
    public bool DispatchEnabled { get; set; } = true;

    /// <summary>Six-field NCRONTAB (seconds first) of the dispatcher: the Functions timer and the Host's loop read it.</summary>
    public string DispatchSchedule { get; set; } = "*/10 * * * * *";

    /// <summary>When true, a call whose analysis says the person opted out adds the number to the suppression list.</summary>
    public bool SuppressOnOptOut { get; set; }

    /// <summary>How many due recipients one read of a campaign takes.</summary>
    public int DispatchBatchSize { get; set; } = 100;

    /// <summary>
    /// How many dials one dispatcher run has in flight at once (the pacer still spaces their starts). Each dial spends
    /// some 100–300 ms on storage around its call, so reaching 20 starts/s needs several at once; 16 covers that with room.
    /// </summary>
    public int MaxParallelDials { get; set; } = 16;

    /// <summary>
    /// How long an attempt recorded as calling may go without its call id before a dispatcher resumes it with the same
    /// idempotency key (the process that started it died). Longer than one Synthflow attempt.
    /// </summary>
    public TimeSpan ResumeAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long after a call was placed without its end being seen the dispatcher looks the call up at Synthflow.</summary>
    public TimeSpan CallEndTimeout { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long a recipient waits after Synthflow refused to place its call (no call exists) before it is tried again.</summary>
    public TimeSpan NotPlacedRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long one dispatcher run may go on: nine tenths of the schedule's period, at least one second and at most
    /// <see cref="MaxDispatchBudget"/>, so a run ends before the next starts (the Functions timer skips an occurrence
    /// while a run is still going).
    /// </summary>
    public TimeSpan DispatchBudget(DateTimeOffset now)
    {
        var period = DispatchPeriod(now);
        var budget = TimeSpan.FromTicks(period.Ticks / 10 * 9);
        return budget < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : budget > MaxDispatchBudget ? MaxDispatchBudget : budget;
    }

    /// <summary>The time between two occurrences of <see cref="DispatchSchedule"/> after <paramref name="now"/> (10 s when it does not parse).</summary>
    public TimeSpan DispatchPeriod(DateTimeOffset now)
    {
        if (!ReconcileOptions.TryParseSchedule(DispatchSchedule, out var schedule))
        {
            return TimeSpan.FromSeconds(10);
        }

        var next = schedule.GetNextOccurrence(now.UtcDateTime);
        return schedule.GetNextOccurrence(next) - next;
    }
}

internal sealed class CampaignsOptionsValidator : IValidateOptions<CampaignsOptions>
{
    public ValidateOptionsResult Validate(string? name, CampaignsOptions options)
    {
        var failures = new List<string>();
        if (!ReconcileOptions.TryParseSchedule(options.DispatchSchedule, out _))
        {
            failures.Add($"Campaigns__DispatchSchedule must be a six-field NCRONTAB expression, seconds first, e.g. '*/10 * * * * *' (was '{options.DispatchSchedule}').");
        }

        if (options.DispatchBatchSize is < 1 or > 1000)
        {
            failures.Add($"Campaigns__DispatchBatchSize must be between 1 and 1000 (was {options.DispatchBatchSize}).");
        }

        if (options.MaxParallelDials is < 1 or > 64)
        {
            failures.Add($"Campaigns__MaxParallelDials must be between 1 and 64 (was {options.MaxParallelDials}).");
        }

        Range(failures, "ResumeAfter", options.ResumeAfter, TimeSpan.FromSeconds(30), TimeSpan.FromHours(1));
        Range(failures, "CallEndTimeout", options.CallEndTimeout, TimeSpan.FromMinutes(10), TimeSpan.FromDays(2));
        Range(failures, "NotPlacedRetryDelay", options.NotPlacedRetryDelay, TimeSpan.FromSeconds(1), TimeSpan.FromHours(6));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string setting, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"Campaigns__{setting} must be between {min:c} and {max:c} (was {value:c}).");
        }
    }
}
