using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace SynthflowConnector.Functions.Tests.Infrastructure;

/// <summary>A request as a connector action sends it: method, path with query, JSON body, extra headers.</summary>
public sealed record ExchangeRequest(string Method, string PathAndQuery, string? Body = null, IReadOnlyDictionary<string, string>? Headers = null)
{
    public string Path => PathAndQuery.Split('?', 2)[0];

    public string Query => PathAndQuery.Contains('?', StringComparison.Ordinal) ? "?" + PathAndQuery.Split('?', 2)[1] : string.Empty;
}

/// <summary>What came back: status, the headers that matter to a connector, and the body.</summary>
public sealed record ExchangeResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The headers compared between the hosts (Power Automate reads these).</summary>
    public static readonly IReadOnlyList<string> ComparedHeaders = ["Content-Type", "ETag", "Location", "Retry-After"];

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public JsonNode? Json() => Body.Length == 0 ? null : JsonNode.Parse(Body);

    public override string ToString() =>
        $"{Status} {string.Join(" ", Headers.Select(pair => $"[{pair.Key}: {pair.Value}]"))}{Environment.NewLine}{Body}";
}

/// <summary>Sends an <see cref="ExchangeRequest"/> to the Host over HTTP, or to a worker function in-process.</summary>
public static class Exchange
{
    public static async Task<ExchangeResponse> SendAsync(HttpClient client, ExchangeRequest request)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.PathAndQuery);
        if (request.Body is not null)
        {
            message.Content = new StringContent(request.Body, Encoding.UTF8, "application/json");
        }

        foreach (var (name, value) in request.Headers ?? new Dictionary<string, string>())
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await client.SendAsync(message);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in ExchangeResponse.ComparedHeaders)
        {
            if (response.Headers.NonValidated.TryGetValues(name, out var values) || response.Content.Headers.NonValidated.TryGetValues(name, out values))
            {
                headers[name] = string.Join(", ", values);
            }
        }

        return new ExchangeResponse((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Invokes the function the Functions host would route the request to, as the worker's ASP.NET Core integration
    /// does: a fresh DI scope, the function class from <c>ActivatorUtilities</c>, the <see cref="HttpRequest"/> and the
    /// route values as arguments, then the returned <see cref="IResult"/> executed against the same context.
    /// </summary>
    public static async Task<(WorkerFunction Function, ExchangeResponse Response)> InvokeAsync(IServiceProvider services, ExchangeRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (function, routeValues) = WorkerFunctions.Route(request.Method, request.Path);
        await using var scope = services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var http = context.Request;
        http.Method = request.Method;
        http.Scheme = "http";
        http.Host = new HostString("localhost", 7071);
        http.Path = PathString.FromUriComponent(request.Path);
        http.QueryString = new QueryString(request.Query);
        http.RouteValues = routeValues;
        foreach (var (name, value) in request.Headers ?? new Dictionary<string, string>())
        {
            http.Headers.Append(name, value);
        }

        if (request.Body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(request.Body);
            http.Body = new MemoryStream(bytes);
            http.ContentLength = bytes.Length;
            http.ContentType = "application/json; charset=utf-8";
        }

        var body = new MemoryStream();
        context.Response.Body = body;

        var method = function.Method;
        var instance = ActivatorUtilities.CreateInstance(scope.ServiceProvider, method.DeclaringType!);
        var arguments = method.GetParameters().Select(parameter => parameter.ParameterType switch
        {
            var type when type == typeof(HttpRequest) => http,
            var type when type == typeof(CancellationToken) => cancellationToken,
            var type when type == typeof(string) && routeValues.TryGetValue(parameter.Name!, out var value) => (object?)Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture),
            _ => throw new InvalidOperationException($"{function.Name}: parameter {parameter.Name} ({parameter.ParameterType.Name}) is neither the request, a route value nor the cancellation token."),
        }).ToArray();
        var result = method.Invoke(instance, arguments) switch
        {
            Task<IResult> pending => await pending,
            IResult done => done,
            var other => throw new InvalidOperationException($"{function.Name} returned {other?.GetType().Name ?? "null"}, not an IResult."),
        };
        await result.ExecuteAsync(context);

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in ExchangeResponse.ComparedHeaders)
        {
            if (context.Response.Headers.TryGetValue(name, out var values))
            {
                headers[name] = values.ToString();
            }
        }

        return (function, new ExchangeResponse(context.Response.StatusCode, headers, Encoding.UTF8.GetString(body.ToArray())));
    }

    /// <summary>Parses a JSON body for assertions, or fails with the body in the message.</summary>
    public static JsonElement Parse(ExchangeResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            return document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new InvalidOperationException($"Not JSON: {response}", exception);
        }
    }
}
