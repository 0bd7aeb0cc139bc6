using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace SynthflowConnector.Hooks;

/// <summary>
/// <see cref="ICallbackSender"/> over the IHttpClientFactory client <see cref="HttpClientName"/>: no redirects, no
/// cookies, and (see <see cref="CreateHandler"/>) a connect-time address check. Never throws for an HTTP or transport
/// failure; when the caller's token fires (its delivery timeout) the result has no status. Logs name the host only:
/// a callback URL's path and query carry a signature.
/// </summary>
internal sealed partial class HttpCallbackSender(HttpClient http, ILogger<HttpCallbackSender> logger) : ICallbackSender
{
    /// <summary>The IHttpClientFactory name of the callback client.</summary>
    public const string HttpClientName = "HookCallbacks";

    private static readonly MediaTypeHeaderValue Json = new("application/json");

    public async Task<CallbackResult> PostAsync(
        Uri url,
        ReadOnlyMemory<byte> jsonBody,
        IReadOnlyDictionary<string, string>? headers,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(jsonBody) };
        request.Content.Headers.ContentType = Json;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            LogAnswered(logger, url.Host, status);
            return new CallbackResult(status);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogNoAnswer(logger, url.Host, "no answer before the delivery timeout");
            return new CallbackResult(null, "No answer before the delivery timeout.");
        }
        catch (HttpRequestException exception)
        {
            var reason = Describe(exception);
            LogNoAnswer(logger, url.Host, reason);
            return new CallbackResult(null, reason);
        }
        catch (OperationCanceledException)
        {
            // HttpClient's own timeout (off by default): still "no answer".
            LogNoAnswer(logger, url.Host, "timed out");
            return new CallbackResult(null, "The request timed out.");
        }
    }

    /// <summary>The primary handler: no redirects, no cookies; the address guard in every mode (loopback allowed in sandbox mode).</summary>
    internal static SocketsHttpHandler CreateHandler(bool sandbox) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, allowLoopback: sandbox, cancellationToken),
    };

    /// <summary>Resolves the host and connects only when every address it resolves to is allowed (so DNS cannot steer us inside).</summary>
    internal static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool allowLoopback, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endPoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endPoint.Host, cancellationToken).ConfigureAwait(false);
        foreach (var address in addresses)
        {
            if (CallbackAddressGuard.Check(address, allowLoopback) is { } kind)
            {
                throw new CallbackAddressRefusedException($"The callback's host resolves to a {kind} address, which callbacks may not reach.");
            }
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, endPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static string Describe(HttpRequestException exception) =>
        exception.InnerException is CallbackAddressRefusedException refused ? refused.Message
        : exception.InnerException is SocketException socket ? $"Could not connect ({socket.SocketErrorCode})."
        : exception.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => "The callback's host name does not resolve.",
            HttpRequestError.ConnectionError => "Could not connect.",
            HttpRequestError.SecureConnectionError => "The TLS handshake failed.",
            HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse => "The connection closed without a valid answer.",
            _ => $"The request failed ({exception.HttpRequestError}).",
        };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Callback to {Host} answered {StatusCode}")]
    private static partial void LogAnswered(ILogger logger, string host, int statusCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Callback to {Host} got no answer: {Reason}")]
    private static partial void LogNoAnswer(ILogger logger, string host, string reason);
}

/// <summary>The connect-time guard refused every address of a callback's host.</summary>
public sealed class CallbackAddressRefusedException : IOException
{
    public CallbackAddressRefusedException()
    {
    }

    public CallbackAddressRefusedException(string message)
        : base(message)
    {
    }

    public CallbackAddressRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
