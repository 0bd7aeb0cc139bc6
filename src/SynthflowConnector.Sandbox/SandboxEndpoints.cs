using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SynthflowConnector.Sandbox;

public static class SandboxEndpoints
{
    /// <summary>
    /// Serves <paramref name="sandbox"/> under <paramref name="prefix"/> (Synthflow's <c>/v2</c> by default). One
    /// catch-all endpoint does its own routing, so every request under the prefix, unknown routes included, goes
    /// through the same pipeline: latency, pre-processing faults, auth, the operation, drop-after-processing, the log.
    /// </summary>
    public static IEndpointRouteBuilder MapSynthflowSandbox(this IEndpointRouteBuilder routes, SynthflowSandbox sandbox, string prefix = "/v2")
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(prefix);
        var trimmed = prefix.Trim('/');
        var root = trimmed.Length == 0 ? string.Empty : "/" + trimmed;
        routes.Map(root + "/{**path}", http => HandleAsync(http, sandbox, root))
            .WithDisplayName("Synthflow sandbox")

            // The sandbox checks its own bearer key; a host-wide authorization policy must not stand in front of it.
            .AllowAnonymous();
        return routes;
    }

    private static async Task HandleAsync(HttpContext http, SynthflowSandbox sandbox, string root)
    {
        var request = http.Request;
        var at = sandbox.TimeProvider.GetUtcNow();
        var method = request.Method;
        var path = request.Path.Value ?? string.Empty;
        var query = request.QueryString.Value ?? string.Empty;
        string? body = null;
        var logged = false;

        // Held and slow requests end when the client gives up or when the host stops, whichever comes first.
        var stopping = http.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        var token = cancellation.Token;

        try
        {
            body = await ReadBodyAsync(request, token).ConfigureAwait(false);
            var latency = sandbox.Latency;
            if (latency > TimeSpan.Zero)
            {
                await Task.Delay(latency, sandbox.TimeProvider, token).ConfigureAwait(false);
            }

            var fault = sandbox.Faults.TakeBeforeProcessing(method, path);
            switch (fault.Kind)
            {
                case FaultKind.DropConnection:
                    Log(0, SandboxFaultNames.DropConnection);
                    http.Abort();
                    return;

                case FaultKind.Timeout:
                    Log(0, SandboxFaultNames.Timeout);

                    // An infinite delay creates no timer: only the token (client gone, host stopping) ends it.
                    await Task.Delay(Timeout.InfiniteTimeSpan, token).ConfigureAwait(false);
                    return;

                case FaultKind.Fail or FaultKind.RandomFailure:
                    var failure = SandboxReply.InjectedFailure(fault.StatusCode, fault.RetryAfter);
                    Log(failure.StatusCode, fault.Kind == FaultKind.Fail ? SandboxFaultNames.Fail : SandboxFaultNames.RandomFailure);
                    await WriteAsync(http, failure, token).ConfigureAwait(false);
                    return;
            }

            var reply = sandbox.Process(method, path[Math.Min(root.Length, path.Length)..], request.Query, request.Headers.Authorization.ToString(), body);
            if (sandbox.Faults.TakeDropAfterProcessing(method, path))
            {
                Log(reply.StatusCode, SandboxFaultNames.DropAfterProcessing);
                http.Abort();
                return;
            }

            // Log before writing: once the client has its answer, its request is in the log.
            Log(reply.StatusCode, null);
            await WriteAsync(http, reply, token).ConfigureAwait(false);
        }
        catch (Exception exception) when ((exception is OperationCanceledException or IOException) && token.IsCancellationRequested)
        {
            // The client gave up (or the host is stopping) before an answer; the request stays in the log all the same.
            if (!logged)
            {
                Log(0, null);
            }

            http.Abort();
        }
        catch
        {
            // A sandbox bug: the server answers 500 and logs it; the request log keeps its promise of every request.
            if (!logged)
            {
                Log(StatusCodes.Status500InternalServerError, null);
            }

            throw;
        }

        void Log(int statusCode, string? fault)
        {
            logged = true;
            sandbox.Record(new SandboxRequest(at, method, path, query, body, statusCode, fault));
        }
    }

    private static async Task<string?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        var text = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        return text.Length == 0 ? null : text;
    }

    private static async Task WriteAsync(HttpContext http, SandboxReply reply, CancellationToken cancellationToken)
    {
        var response = http.Response;
        response.StatusCode = reply.StatusCode;
        response.ContentType = "application/json";
        response.ContentLength = reply.Body.Length;
        foreach (var (name, value) in reply.Headers)
        {
            response.Headers[name] = value;
        }

        await response.Body.WriteAsync(reply.Body, cancellationToken).ConfigureAwait(false);
    }
}
