using Microsoft.Extensions.Options;

namespace SynthflowConnector.Synthflow;

/// <summary>Where the client sends requests and with which key.</summary>
public sealed class SynthflowEndpoint(Uri baseAddress, string apiKey, bool isSandbox, string? workspace = null)
{
    /// <summary>The workspace id the endpoint implies (the sandbox has its own); the setting wins when set.</summary>
    public string? Workspace { get; } = workspace;

    public Uri BaseAddress { get; } = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");

    internal string ApiKey { get; } = apiKey;

    public bool IsSandbox { get; } = isSandbox;

    // Never print the key.
    public override string ToString() => $"{BaseAddress} ({(IsSandbox ? "sandbox" : "live")})";
}

/// <summary>
/// Supplies the endpoint. Live mode derives it from the region only: there is deliberately no setting for an
/// arbitrary base URL, so a real key can never be sent to a host other than Synthflow's.
/// </summary>
public interface ISynthflowEndpointProvider
{
    ValueTask<SynthflowEndpoint> GetEndpointAsync(CancellationToken cancellationToken);
}

internal sealed class RegionalSynthflowEndpointProvider(IOptions<SynthflowOptions> options) : ISynthflowEndpointProvider
{
    private SynthflowEndpoint? _endpoint;

    public ValueTask<SynthflowEndpoint> GetEndpointAsync(CancellationToken cancellationToken)
    {
        _endpoint ??= new SynthflowEndpoint(
            SynthflowRegions.BaseAddress(options.Value.Region),
            options.Value.ApiKey ?? throw new InvalidOperationException("Synthflow__ApiKey is not set."),
            isSandbox: false);
        return ValueTask.FromResult(_endpoint);
    }
}

/// <summary>A fixed endpoint, for tests and benchmarks that run their own sandbox. Registered from code only.</summary>
public sealed class FixedSynthflowEndpointProvider(SynthflowEndpoint endpoint) : ISynthflowEndpointProvider
{
    public ValueTask<SynthflowEndpoint> GetEndpointAsync(CancellationToken cancellationToken) => ValueTask.FromResult(endpoint);
}
