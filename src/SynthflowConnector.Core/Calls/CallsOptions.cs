using Microsoft.Extensions.Options;

namespace SynthflowConnector.Calls;

/// <summary>Settings of the <c>Calls</c> section.</summary>
public sealed class CallsOptions
{
    public const string SectionName = "Calls";

    /// <summary>Strategy when a request names none: <c>synthflow-default</c>, <c>local-presence</c>, <c>round-robin</c> or <c>sticky</c>.</summary>
    public string DefaultCallerIdStrategy { get; set; } = CallerIdStrategies.SynthflowDefault;

    /// <summary>How long an <c>Idempotency-Key</c> is remembered.</summary>
    public TimeSpan IdempotencyKeyTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long an agent's attached numbers are cached for caller-ID choice (0 turns the cache off).</summary>
    public TimeSpan AttachedNumbersCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Table holding the idempotency ledger, round-robin cursors and sticky assignments.</summary>
    public string TableName { get; set; } = "SynthflowCalls";

    internal CallerIdStrategy DefaultStrategy =>
        CallerIdStrategies.TryParse(DefaultCallerIdStrategy, out var strategy) ? strategy.Value : CallerIdStrategy.SynthflowDefault;
}

internal sealed class CallsOptionsValidator : IValidateOptions<CallsOptions>
{
    public ValidateOptionsResult Validate(string? name, CallsOptions options)
    {
        var failures = new List<string>();
        if (!CallerIdStrategies.TryParse(options.DefaultCallerIdStrategy, out _))
        {
            failures.Add($"Calls__DefaultCallerIdStrategy must be one of {string.Join(", ", CallerIdStrategies.Names)} (was '{options.DefaultCallerIdStrategy}').");
        }

        if (options.IdempotencyKeyTtl < TimeSpan.FromMinutes(1) || options.IdempotencyKeyTtl > TimeSpan.FromDays(30))
        {
            failures.Add($"Calls__IdempotencyKeyTtl must be between 00:01:00 and 30.00:00:00 (was {options.IdempotencyKeyTtl}).");
        }

        if (options.AttachedNumbersCacheDuration < TimeSpan.Zero || options.AttachedNumbersCacheDuration > TimeSpan.FromHours(1))
        {
            failures.Add($"Calls__AttachedNumbersCacheDuration must be between 00:00:00 and 01:00:00 (was {options.AttachedNumbersCacheDuration}).");
        }

        if (!Storage.TableNames.IsValid(options.TableName))
        {
            failures.Add($"Calls__TableName must be a table name: 3 to 63 letters or digits, starting with a letter (was '{options.TableName}').");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
