using System.Globalization;
using Microsoft.Extensions.Options;

namespace SynthflowConnector.Synthflow;

/// <summary>Settings of the <c>Synthflow</c> section (<c>Synthflow__ApiKey</c> and so on).</summary>
public sealed class SynthflowOptions
{
    public const string SectionName = "Synthflow";

    /// <summary>Platform API key. Empty means sandbox mode: no real calls are placed.</summary>
    public string? ApiKey { get; set; }

    /// <summary><c>global</c>, <c>us</c> or <c>eu</c>: the region the workspace lives in.</summary>
    public string Region { get; set; } = SynthflowRegions.Global;

    /// <summary>Workspace id; needed only to list the workspace's numbers.</summary>
    public string? Workspace { get; set; }

    /// <summary>Client-side ceiling on requests per second to Synthflow, shared by every caller in the process.</summary>
    public int MaxRequestsPerSecond { get; set; } = 10;

    /// <summary>Timeout of one attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries after the first attempt, for GET, PUT and DELETE only.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>Base delay of the jittered exponential backoff between retries.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between two retries, also the cap on an upstream <c>Retry-After</c>.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Account-wide new calls per second (CAPS) that every instance, campaign and make-a-call share. Unset: 1 in live
    /// mode, the sandbox's own limit (<c>Sandbox__CallsPerSecond</c>, none unless set) in sandbox mode. 0: no limit (an
    /// Enterprise workspace, whose Synthflow queues calls instead of refusing them). See <see cref="Campaigns.PacingLimits"/>.
    /// </summary>
    public double? CallsPerSecond { get; set; }

    /// <summary>Account-wide calls live at once. Unset: 5 in live mode, <c>Sandbox__MaxConcurrentCalls</c> (none unless set) in sandbox mode; 0: no limit.</summary>
    public int? MaxConcurrentCalls { get; set; }

    /// <summary>How long make-a-call waits for a pacing slot before answering 429 with Retry-After.</summary>
    public TimeSpan PacingMaxWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>A call holding a concurrency slot longer than this without its call-ended event is looked up (GET /v2/calls/{id}) when the pacer is full.</summary>
    public TimeSpan LiveCallCheckAfter { get; set; } = TimeSpan.FromMinutes(2);

    public bool IsSandbox => ConnectorMode.IsSandboxKey(ApiKey);
}

public static class SynthflowRegions
{
    public const string Global = "global";
    public const string Us = "us";
    public const string Eu = "eu";

    /// <summary>The fixed base URLs; no other host is ever used with a real key.</summary>
    public static Uri BaseAddress(string region) => region.ToUpperInvariant() switch
    {
        "GLOBAL" => new Uri("https://api.synthflow.ai/v2/"),
        "US" => new Uri("https://api.us.synthflow.ai/v2/"),
        "EU" => new Uri("https://api.eu.synthflow.ai/v2/"),
        _ => throw new ArgumentOutOfRangeException(nameof(region), region, "Synthflow__Region must be global, us or eu."),
    };

    public static bool IsKnown(string? region) =>
        region is not null && (region.Equals(Global, StringComparison.OrdinalIgnoreCase)
            || region.Equals(Us, StringComparison.OrdinalIgnoreCase)
            || region.Equals(Eu, StringComparison.OrdinalIgnoreCase));
}

/// <summary>Refuses to start with a bad setting, naming it the way it is set (<c>Synthflow__X</c>).</summary>
internal sealed class SynthflowOptionsValidator : IValidateOptions<SynthflowOptions>
{
    public ValidateOptionsResult Validate(string? name, SynthflowOptions options)
    {
        var failures = new List<string>();
        if (!SynthflowRegions.IsKnown(options.Region))
        {
            failures.Add($"Synthflow__Region must be one of global, us, eu (was '{options.Region}').");
        }

        if (options.ApiKey is { Length: > 0 } key && (key.Trim() != key || key.Any(char.IsControl)))
        {
            // The value itself is never echoed: it is a secret.
            failures.Add("Synthflow__ApiKey contains white space or control characters; paste the key exactly.");
        }

        if (options.MaxRequestsPerSecond is < 1 or > 10_000)
        {
            failures.Add($"Synthflow__MaxRequestsPerSecond must be between 1 and 10000 (was {options.MaxRequestsPerSecond}).");
        }

        if (options.Timeout <= TimeSpan.Zero || options.Timeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"Synthflow__Timeout must be between 00:00:00.001 and 00:05:00 (was {options.Timeout}).");
        }

        if (options.MaxRetries is < 0 or > 10)
        {
            failures.Add($"Synthflow__MaxRetries must be between 0 and 10 (was {options.MaxRetries}).");
        }

        if (options.RetryBaseDelay < TimeSpan.Zero || options.RetryMaxDelay < options.RetryBaseDelay)
        {
            failures.Add("Synthflow__RetryBaseDelay must be zero or more and not above Synthflow__RetryMaxDelay.");
        }

        if (options.Workspace is { } workspace && (workspace.Length > 128 || workspace.Any(char.IsControl)))
        {
            failures.Add("Synthflow__Workspace must be a workspace id of at most 128 printable characters.");
        }

        ValidatePacing(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidatePacing(SynthflowOptions options, List<string> failures)
    {
        if (options.CallsPerSecond is { } rate && rate != 0 && !(rate is >= 0.01 and <= 1_000))
        {
            failures.Add($"Synthflow__CallsPerSecond must be between 0.01 and 1000, or 0 for no limit (was {rate.ToString(CultureInfo.InvariantCulture)}).");
        }

        if (options.MaxConcurrentCalls is < 0 or > 1_000)
        {
            failures.Add($"Synthflow__MaxConcurrentCalls must be between 1 and 1000, or 0 for no limit (was {options.MaxConcurrentCalls}).");
        }

        if (options.PacingMaxWait < TimeSpan.Zero || options.PacingMaxWait > Campaigns.PacingLimits.LongestMaxWait)
        {
            failures.Add($"Synthflow__PacingMaxWait must be between 00:00:00 and 00:01:00 (was {options.PacingMaxWait}).");
        }

        if (options.LiveCallCheckAfter < TimeSpan.FromSeconds(10) || options.LiveCallCheckAfter > TimeSpan.FromHours(1))
        {
            failures.Add($"Synthflow__LiveCallCheckAfter must be between 00:00:10 and 01:00:00 (was {options.LiveCallCheckAfter}).");
        }
    }
}
