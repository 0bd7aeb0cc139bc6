using System.Net.Http.Json;
using SynthflowConnector.Http;
using SynthflowConnector.Pools;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Http;

namespace SynthflowConnector.Tests.Pools;

/// <summary>A small workspace for pool tests, and the pool actions as HTTP calls.</summary>
internal static class PoolTestSupport
{
    public const string Sales = "agent-sales";
    public const string Support = "agent-support";
    public const string FrontDesk = "agent-front-desk";

    /// <summary>Numbers the workspace owns: N[0] … N[9].</summary>
    public static readonly string[] N = [.. Enumerable.Range(0, 10).Select(i => $"+1415555{i:D4}")];

    /// <summary>Sales has N0, N1; Support has nothing; Front desk is inbound.</summary>
    public static SynthflowSandbox Workspace(AttachSemantics semantics = AttachSemantics.Add)
    {
        var sandbox = new SynthflowSandbox(new SandboxOptions { Seed = false }) { AttachSemantics = semantics };
        foreach (var number in N)
        {
            sandbox.AddNumber(number, "PN" + number[1..].PadLeft(32, '0'));
        }

        sandbox.AddAgent(Sales, "Sales", AgentTypes.Outbound, [N[0], N[1]]);
        sandbox.AddAgent(Support, "Support", AgentTypes.Outbound);
        sandbox.AddAgent(FrontDesk, "Front desk", AgentTypes.Inbound);
        return sandbox;
    }

    public static string[] AttachedOf(SynthflowSandbox sandbox, string modelId) =>
        [.. sandbox.GetAgent(modelId)!.AttachedPhoneNumbers!.Select(n => n.Number).Order(StringComparer.Ordinal)];

    public static string[] Sorted(params string[] numbers) => [.. numbers.Order(StringComparer.Ordinal)];

    public static Uri PoolUri(string modelId, string suffix = "") => new($"/api/pools/{modelId}{suffix}", UriKind.Relative);

    public static async Task<HttpResponseMessage> PutPoolAsync(
        HttpClient client,
        string modelId,
        object body,
        string? ifMatch = null,
        string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, PoolUri(modelId)) { Content = JsonContent.Create(body) };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Creates the pool and returns it; fails the test unless 200.</summary>
    public static async Task<PoolResponse> SetPoolAsync(HttpClient client, string modelId, string[] numbers, string mode = "exact", bool paused = false) =>
        await HttpAssert.OkAsync<PoolResponse>(await PutPoolAsync(client, modelId, new { phoneNumbers = numbers, mode, paused }));

    public static async Task<PoolReconcileResult> ReconcileNowAsync(HttpClient client, string modelId, bool force = false) =>
        await HttpAssert.OkAsync<PoolReconcileResult>(await client.PostAsync(PoolUri(modelId, force ? "/reconcile?force=true" : "/reconcile"), content: null));

    public static async Task<PoolPlanResponse> PlanAsync(HttpClient client, string modelId) =>
        await HttpAssert.OkAsync<PoolPlanResponse>(await client.GetAsync(PoolUri(modelId, "/plan")));

    public static async Task<PoolResponse> GetPoolAsync(HttpClient client, string modelId) =>
        await HttpAssert.OkAsync<PoolResponse>(await client.GetAsync(PoolUri(modelId)));

    public static async Task<PoolList> ListPoolsAsync(HttpClient client) =>
        await HttpAssert.OkAsync<PoolList>(await client.GetAsync(new Uri("/api/pools", UriKind.Relative)));

    /// <summary>Changes to agents' pools the sandbox saw (attach PUTs and detach DELETEs), whatever their answer.</summary>
    public static int PoolChanges(SynthflowSandbox sandbox, string? modelId = null) =>
        sandbox.Requests.Count(r => r.Method is "PUT" or "DELETE"
            && r.Path.StartsWith($"/v2/assistants/{modelId}", StringComparison.Ordinal)
            && r.Path.Contains("/phone_numbers", StringComparison.Ordinal));

    public static string ETagHeader(HttpResponseMessage response) =>
        response.Headers.TryGetValues("ETag", out var values) ? values.Single() : string.Empty;
}
