using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using SynthflowConnector.Sandbox;

namespace SynthflowConnector.Tests.Sandbox;

/// <summary>
/// A sandbox on a real loopback socket and a plain <see cref="HttpClient"/> carrying its key: tests talk HTTP the way
/// any client would, not through the product's client.
/// </summary>
internal sealed class SandboxHttp : IAsyncDisposable
{
    /// <summary>A guard against a hung test, not a wait: every request here is expected to finish far sooner.</summary>
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private SandboxHttp(SandboxServer server)
    {
        Server = server;
        Client = CreateClient(server.Sandbox.ApiKey);
    }

    public SandboxServer Server { get; }

    public SynthflowSandbox Sandbox => Server.Sandbox;

    public HttpClient Client { get; }

    public static async Task<SandboxHttp> StartAsync(SynthflowSandbox? sandbox = null) =>
        new(await SandboxServer.StartAsync(sandbox ?? new SynthflowSandbox()));

    /// <summary>A client with another key (or none), for the 401 cases.</summary>
    public HttpClient CreateClient(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = Guard };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    public Task<Answer> GetAsync(string relativeUri, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, relativeUri, json: null, cancellationToken);

    public Task<Answer> SendAsync(HttpMethod method, string relativeUri, string? json = null, CancellationToken cancellationToken = default) =>
        SendAsync(Client, method, relativeUri, json, cancellationToken);

    public static async Task<Answer> SendAsync(HttpClient client, HttpMethod method, string relativeUri, string? json = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, new Uri(relativeUri, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        using var document = JsonDocument.Parse(text);
        return new Answer(
            response.StatusCode,
            document.RootElement.Clone(),
            response.Headers.RetryAfter?.Delta,
            response.Content.Headers.ContentType?.MediaType,
            response.Content.Headers.Allow.Count > 0 ? string.Join(", ", response.Content.Headers.Allow) : null);
    }

    /// <summary>
    /// Completes once the sandbox has logged <paramref name="count"/> requests. A held request is logged the moment it
    /// is held, so this is how a test knows the sandbox has it. Yields, never sleeps.
    /// </summary>
    public static async Task WhenLoggedAsync(SynthflowSandbox sandbox, int count)
    {
        using var guard = new CancellationTokenSource(Guard);
        while (sandbox.Requests.Count < count)
        {
            guard.Token.ThrowIfCancellationRequested();
            await Task.Yield();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        await Sandbox.DisposeAsync();
    }
}

/// <summary>An answer, read whole. <see cref="Json"/> is the body (every sandbox answer is JSON).</summary>
internal sealed record Answer(HttpStatusCode Status, JsonElement Json, TimeSpan? RetryAfter, string? MediaType, string? Allow)
{
    public int Code => (int)Status;

    /// <summary><c>detail</c> of the usual error shape <c>{"detail":{status, description, request_id, category}}</c>.</summary>
    public JsonElement Detail => Json.GetProperty("detail");

    public string Description => Detail.GetProperty("description").GetString()!;

    public string Category => Detail.GetProperty("category").GetString()!;
}
