using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.WebUtilities;

namespace SynthflowConnector.Sandbox;

/// <summary>
/// An answer, fully serialized before anything is sent: the request log is written first, so a client that has its
/// answer always finds its request in <see cref="SynthflowSandbox.Requests"/>.
/// </summary>
internal sealed record SandboxReply(int StatusCode, byte[] Body, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public static SandboxReply Json<T>(int statusCode, T value, JsonTypeInfo<T> typeInfo, params IReadOnlyList<KeyValuePair<string, string>> headers) =>
        new(statusCode, JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), headers);

    /// <summary><c>{"status":"ok"}</c>, what attach and detach answer.</summary>
    public static SandboxReply Ok() => Json(200, new WireStatus("ok"), SandboxJsonContext.Default.WireStatus);

    public static SandboxReply BadRequest(string description) => Detail(400, "validation_error", description);

    public static SandboxReply NotFound(string description) => Detail(404, "not_found", description);

    /// <summary>A 429 for an account limit (CAPS or concurrency), with <c>Retry-After</c> in whole seconds when given.</summary>
    public static SandboxReply TooManyRequests(string description, TimeSpan? retryAfter) =>
        WithRetryAfter(Detail(429, "rate_limited", description), retryAfter);

    /// <summary>The gateway's answer to a missing or wrong key (also what the wrong regional host answers).</summary>
    public static SandboxReply Unauthorized() =>
        Json(401, new WireGatewayError("Unauthorized", "Invalid API key"), SandboxJsonContext.Default.WireGatewayError);

    /// <summary>The framework's answer to a path it has no route for.</summary>
    public static SandboxReply RouteNotFound() =>
        Json(404, new WirePlainDetail("Not Found"), SandboxJsonContext.Default.WirePlainDetail);

    public static SandboxReply MethodNotAllowed(string allow) =>
        Json(405, new WirePlainDetail("Method Not Allowed"), SandboxJsonContext.Default.WirePlainDetail, new KeyValuePair<string, string>("Allow", allow));

    /// <summary>A real Synthflow operation the sandbox does not simulate: say so rather than pretend it does not exist.</summary>
    public static SandboxReply NotSimulated(string method, string relativePath) =>
        Detail(501, "not_implemented", $"The Synthflow sandbox does not simulate {method} {relativePath}.");

    /// <summary>An injected 429/5xx, in the detail shape, with <c>Retry-After</c> (whole seconds, rounded up) when given.</summary>
    public static SandboxReply InjectedFailure(int statusCode, TimeSpan? retryAfter)
    {
        var category = statusCode switch
        {
            429 => "rate_limited",
            >= 500 => "server_error",
            404 => "not_found",
            401 or 403 => "unauthorized",
            _ => "validation_error",
        };
        var description = $"{ReasonPhrases.GetReasonPhrase(statusCode)} (fault injected by the Synthflow sandbox).";
        return WithRetryAfter(Detail(statusCode, category, description), retryAfter);
    }

    private static SandboxReply WithRetryAfter(SandboxReply reply, TimeSpan? retryAfter) =>
        retryAfter is { } delay
            ? reply with { Headers = [new("Retry-After", ((long)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture))] }
            : reply;

    /// <summary>Synthflow's error detail; the request id is only in the body (no header is documented).</summary>
    private static SandboxReply Detail(int statusCode, string category, string description) =>
        Json(
            statusCode,
            new WireDetailError(new WireErrorDetail("error", description, Guid.NewGuid().ToString(), category)),
            SandboxJsonContext.Default.WireDetailError);
}
