using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;
using NCrontab;
using SynthflowConnector.Pools;

namespace SynthflowConnector.Hooks;

/// <summary>Settings of the <c>Hooks</c> section: callback deliveries and the polling safety net.</summary>
public sealed class HooksOptions
{
    public const string SectionName = "Hooks";

    /// <summary>How long one POST to a callback may take before it counts as no answer.</summary>
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first retry's delay; each next retry doubles it, up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromHours(4);

    /// <summary>How long after its first try a delivery is still retried; the last try is at the window's end at the latest.</summary>
    public TimeSpan RetryWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Six-field NCRONTAB (seconds first) of the sweep, the same expression the Functions timer reads.</summary>
    public string SweepSchedule { get; set; } = "0 */1 * * * *";

    /// <summary>How long after a call ended the sweep waits for its webhook before emitting the event itself.</summary>
    public TimeSpan SweepGrace { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Placed calls older than this are closed without an event (the sweep stops looking for them).</summary>
    public TimeSpan SweepLookback { get; set; } = TimeSpan.FromHours(48);

    /// <summary>False turns the scheduled sweep off.</summary>
    public bool SweepEnabled { get; set; } = true;

    /// <summary>
    /// How long a process reuses the subscription list it read (fan-out and delivery, <see cref="HookSubscriptionCache"/>);
    /// its own subscribes and unsubscribes clear it at once, other instances' are seen within this. Zero reads every time.
    /// </summary>
    public TimeSpan SubscriptionCacheDuration { get; set; } = TimeSpan.FromSeconds(5);

    internal static bool TryParseSchedule(string? expression, [NotNullWhen(true)] out CrontabSchedule? schedule) =>
        ReconcileOptions.TryParseSchedule(expression, out schedule);

    /// <summary>The delay before try <paramref name="attempt"/> + 1: base × 2^(attempt − 1), at most <see cref="RetryMaxDelay"/>.</summary>
    internal TimeSpan RetryDelay(int attempt)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 40);
        var ticks = RetryBaseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= RetryMaxDelay.Ticks ? RetryMaxDelay : TimeSpan.FromTicks((long)ticks);
    }
}

internal sealed class HooksOptionsValidator : IValidateOptions<HooksOptions>
{
    /// <summary>Azure Storage queues hide a message for at most seven days.</summary>
    private static readonly TimeSpan MaxQueueDelay = TimeSpan.FromDays(7);

    public ValidateOptionsResult Validate(string? name, HooksOptions options)
    {
        var failures = new List<string>();
        Range(failures, "DeliveryTimeout", options.DeliveryTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        Range(failures, "RetryBaseDelay", options.RetryBaseDelay, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        Range(failures, "RetryMaxDelay", options.RetryMaxDelay, TimeSpan.FromSeconds(1), MaxQueueDelay);
        Range(failures, "RetryWindow", options.RetryWindow, TimeSpan.FromMinutes(1), TimeSpan.FromDays(30));
        Range(failures, "SweepGrace", options.SweepGrace, TimeSpan.Zero, TimeSpan.FromHours(6));
        Range(failures, "SweepLookback", options.SweepLookback, TimeSpan.FromHours(1), TimeSpan.FromDays(30));
        Range(failures, "SubscriptionCacheDuration", options.SubscriptionCacheDuration, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        if (options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add($"Hooks__RetryMaxDelay must not be shorter than Hooks__RetryBaseDelay (was {options.RetryMaxDelay} < {options.RetryBaseDelay}).");
        }

        if (options.SweepLookback <= options.SweepGrace)
        {
            failures.Add($"Hooks__SweepLookback must be longer than Hooks__SweepGrace (was {options.SweepLookback} <= {options.SweepGrace}).");
        }

        if (!HooksOptions.TryParseSchedule(options.SweepSchedule, out _))
        {
            failures.Add($"Hooks__SweepSchedule must be a six-field NCRONTAB expression, seconds first, e.g. '0 */1 * * * *' (was '{options.SweepSchedule}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Range(List<string> failures, string setting, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"Hooks__{setting} must be between {min:c} and {max:c} (was {value:c}).");
        }
    }
}
