using System.Diagnostics.CodeAnalysis;

namespace SynthflowConnector.Calls;

/// <summary>How the caller ID of a call is chosen from the agent's attached numbers.</summary>
public enum CallerIdStrategy
{
    /// <summary>Send no caller ID: Synthflow picks by its own (undocumented) default.</summary>
    SynthflowDefault,

    /// <summary>Same NANP area code as the recipient, else same country calling code, else round-robin.</summary>
    LocalPresence,

    /// <summary>Each call takes the next number of the pool (a per-agent cursor in table storage).</summary>
    RoundRobin,

    /// <summary>The same number for the same recipient and agent, while it stays attached.</summary>
    Sticky,
}

public static class CallerIdStrategies
{
    public const string SynthflowDefault = "synthflow-default";
    public const string LocalPresence = "local-presence";
    public const string RoundRobin = "round-robin";
    public const string Sticky = "sticky";

    public static IReadOnlyList<string> Names { get; } = [SynthflowDefault, LocalPresence, RoundRobin, Sticky];

    public static string ToName(this CallerIdStrategy strategy) => strategy switch
    {
        CallerIdStrategy.SynthflowDefault => SynthflowDefault,
        CallerIdStrategy.LocalPresence => LocalPresence,
        CallerIdStrategy.RoundRobin => RoundRobin,
        CallerIdStrategy.Sticky => Sticky,
        _ => throw new ArgumentOutOfRangeException(nameof(strategy)),
    };

    public static bool TryParse(string? name, [NotNullWhen(true)] out CallerIdStrategy? strategy)
    {
        strategy = name?.Trim().ToLowerInvariant() switch
        {
            SynthflowDefault => CallerIdStrategy.SynthflowDefault,
            LocalPresence => CallerIdStrategy.LocalPresence,
            RoundRobin => CallerIdStrategy.RoundRobin,
            Sticky => CallerIdStrategy.Sticky,
            _ => null,
        };
        return strategy is not null;
    }
}
