using System.Net.Http.Headers;

namespace SynthflowConnector.Synthflow;

/// <summary>
/// Sends Refit's requests to the endpoint of <see cref="ISynthflowEndpointProvider"/> with its key. The provider is
/// asynchronous (the sandbox learns its port at start), so the client's base address is a placeholder that this
/// handler swaps per request. Requests not under the placeholder pass unchanged and never get the key.
/// </summary>
internal sealed class SynthflowEndpointHandler(ISynthflowEndpointProvider endpointProvider) : DelegatingHandler
{
    /// <summary>The client's base address: <c>.invalid</c> never resolves, so a request that skipped this handler fails.</summary>
    public static readonly Uri Placeholder = new("https://synthflow.invalid/");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var placeholder = Placeholder.AbsoluteUri;
        if (request.RequestUri?.AbsoluteUri is { } uri && uri.StartsWith(placeholder, StringComparison.Ordinal))
        {
            var endpoint = await endpointProvider.GetEndpointAsync(cancellationToken).ConfigureAwait(false);

            // Concatenation keeps Refit's escaping as is (%2F in an id stays inside its segment).
            request.RequestUri = new Uri(endpoint.BaseAddress.AbsoluteUri + uri[placeholder.Length..]);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", endpoint.ApiKey);
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Innermost, once per attempt: reads the whole body inside the attempt, so the attempt timeout bounds the body too
/// and a connection dropped mid-body is a transport failure the retry policy sees (Refit reads headers first).
/// </summary>
internal sealed class SynthflowAttemptHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
