using SynthflowConnector.Bench.Infrastructure;
using SynthflowConnector.Bench.Reporting;

namespace SynthflowConnector.Bench.Benchmarks;

/// <summary>What every benchmark of one invocation shares: the mode, the report, one Azurite.</summary>
internal sealed class BenchContext(BenchReport report, bool quick, string? hostDll, CancellationToken cancellationToken) : IAsyncDisposable
{
    private Azurite? _azurite;

    public BenchReport Report { get; } = report;

    public bool Quick { get; } = quick;

    public string? HostDll { get; } = hostDll;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>--pools: reconcile sizes; null for the defaults.</summary>
    public int[]? PoolSizes { get; init; }

    /// <summary>--repeat: reconcile runs per size; null for the default.</summary>
    public int? Repeat { get; init; }

    /// <summary>--case: only the action cases whose name contains this.</summary>
    public string? OnlyCase { get; init; }

    /// <summary>--seconds: seconds per action case.</summary>
    public double? SecondsPerCase { get; init; }

    /// <summary>--rate: webhooks per second for the hooks benchmark; null for 200.</summary>
    public double? Rate { get; init; }

    /// <summary>--recipients: campaign sizes; null for the defaults (1,000 and 10,000; --quick: 200).</summary>
    public int[]? Recipients { get; init; }

    /// <summary>--setting Key=Value: extra Host settings for the campaigns benchmark (":" form), e.g. Campaigns:MaxParallelDials=8.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    public async Task<Azurite> AzuriteAsync() => _azurite ??= await Azurite.StartAsync();

    public static void Heading(string text)
    {
        Console.WriteLine();
        Console.WriteLine($"== {text} ({DateTime.Now:HH:mm:ss}, load {Machine.LoadAverage()})");
    }

    public async ValueTask DisposeAsync()
    {
        if (_azurite is { } azurite)
        {
            await azurite.DisposeAsync();
        }
    }
}
