using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace SynthflowConnector.Sandbox;

// The API's front door: the key check and routing to one method per operation (SynthflowSandbox.Assistants.cs,
// .PhoneNumbers.cs, .Calls.cs), each turning a request into a SandboxReply under the state lock. HTTP plumbing
// (latency, faults, the log, writing) lives in SandboxEndpoints.
public sealed partial class SynthflowSandbox
{
    /// <param name="method">HTTP method.</param>
    /// <param name="relativePath">The path after the prefix, e.g. <c>/assistants/</c>.</param>
    /// <param name="query">The parsed query (values URL-decoded).</param>
    /// <param name="authorization">The <c>Authorization</c> header, if any.</param>
    /// <param name="body">The request body, or null.</param>
    internal SandboxReply Process(string method, string relativePath, IQueryCollection query, string? authorization, string? body)
    {
        // The gateway checks the key before anything else, unknown routes included.
        if (!IsAuthorized(authorization))
        {
            return SandboxReply.Unauthorized();
        }

        var get = HttpMethods.IsGet(method);
        return relativePath.Split('/', StringSplitOptions.RemoveEmptyEntries) switch
        {
            ["assistants"] when get => ListAssistants(query),
            ["assistants"] when HttpMethods.IsPost(method) => SandboxReply.NotSimulated(method, relativePath),
            ["assistants"] => SandboxReply.MethodNotAllowed("GET, POST"),
            ["assistants", var modelId] when get => GetAssistant(modelId, query),
            ["assistants", _] when HttpMethods.IsPut(method) || HttpMethods.IsDelete(method) => SandboxReply.NotSimulated(method, relativePath),
            ["assistants", _] => SandboxReply.MethodNotAllowed("GET, PUT, DELETE"),
            ["assistants", var modelId, "phone_numbers"] when HttpMethods.IsPut(method) => AttachPhoneNumbers(modelId, body),
            ["assistants", _, "phone_numbers"] => SandboxReply.MethodNotAllowed("PUT"),
            ["assistants", var modelId, "phone_numbers", var slug] when HttpMethods.IsDelete(method) => DetachPhoneNumber(modelId, slug),
            ["assistants", _, "phone_numbers", _] => SandboxReply.MethodNotAllowed("DELETE"),
            ["numbers"] when get => ListNumbers(query),
            ["numbers"] => SandboxReply.MethodNotAllowed("GET"),
            ["numbers", var slug] when get => GetNumber(slug, query),
            ["numbers", _] when HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method) => SandboxReply.NotSimulated(method, relativePath),
            ["numbers", _] => SandboxReply.MethodNotAllowed("GET, PATCH, DELETE"),
            ["calls"] when get => ListCalls(query),
            ["calls"] when HttpMethods.IsPost(method) => PlaceCall(body),
            ["calls"] => SandboxReply.MethodNotAllowed("GET, POST"),
            ["calls", var callId] when get => GetCall(callId),
            ["calls", _] => SandboxReply.MethodNotAllowed("GET"),
            _ => SandboxReply.RouteNotFound(),
        };
    }

    private bool IsAuthorized(string? authorization)
    {
        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Constant-time: a simulator, but no reason to teach a timing oracle.
        return CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(authorization[Scheme.Length..].Trim()),
            Encoding.UTF8.GetBytes(ApiKey));
    }

    private static SandboxReply AgentNotFound(string modelId) => SandboxReply.NotFound($"Assistant {modelId} not found.");
}
