using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using SynthflowConnector.Hosting;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Http;

/// <summary>What <c>GET /api/health</c> answers: anonymous, so it says nothing secret.</summary>
/// <param name="Trigger">Whether the "When a call ends" trigger can work, and why not.</param>
public sealed record HealthReport(string Status, string Version, string Mode, string Region, TriggerHealth? Trigger = null);

public sealed class HealthEndpoint(IOptions<SynthflowOptions> options, TriggerReadiness trigger)
{
    private static readonly string Version =
        typeof(HealthEndpoint).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public IResult Get() => TypedResults.Json(
        new HealthReport(
        Status: "healthy",
        Version: Version,
        Mode: options.Value.IsSandbox ? "sandbox" : "live",
        Region: options.Value.Region.ToLowerInvariant(),
        Trigger: trigger.Current()),
        ConnectorJson.Context.HealthReport);
}
