using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SynthflowConnector.Tests.Contract;

namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>One call made through the definition, and what came back.</summary>
public sealed record DefinitionCall(string OperationId, IReadOnlySet<string> Inputs, HttpStatusCode Status, JsonElement Body, IReadOnlyList<string> SchemaErrors);

/// <summary>
/// Calls the Host the way Power Platform calls a connector, knowing nothing but the definition folder and a
/// connection: the base URL from the <c>dynamichosturl</c> policy and the connection's host name, the method and path
/// template from the operation, each input placed where its parameter says (path with its URL encoding, query,
/// header, or a property of the JSON body), the key where the security definition says. Request bodies are checked
/// against the definition before sending, answers after.
/// </summary>
public sealed partial class DefinitionClient
{
    private readonly ConnectorDefinitionFolder _definition;
    private readonly OpenApiContract _contract;
    private readonly HttpClient _http;
    private readonly IReadOnlyDictionary<string, string> _connection;
    private readonly List<DefinitionCall> _calls = [];

    /// <param name="definition">The connector definition.</param>
    /// <param name="http">A client that adds nothing to requests (no default headers).</param>
    /// <param name="connection">The connection's parameters, by the names apiProperties.json gives them.</param>
    public DefinitionClient(ConnectorDefinitionFolder definition, HttpClient http, IReadOnlyDictionary<string, string> connection)
    {
        ArgumentNullException.ThrowIfNull(definition);
        _definition = definition;
        _contract = OpenApiContract.Parse(definition.Swagger.GetRawText(), undeclaredPropertiesAreErrors: true);
        _http = http;
        _connection = connection;
    }

    public IReadOnlyList<DefinitionCall> Calls => _calls;

    /// <summary>
    /// The base URL a connection calls: the dynamichosturl policy's template with the connection's parameters. The
    /// template says https; the test Host listens on plain http on loopback, the one liberty taken here.
    /// </summary>
    public Uri BaseUrl
    {
        get
        {
            var policy = _definition.ApiProperties.GetProperty("properties").GetProperty("policyTemplateInstances").EnumerateArray()
                .Single(p => ConnectorDefinitionFolder.Text(p, "templateId") == "dynamichosturl");
            var template = policy.GetProperty("parameters").GetProperty("x-ms-apimTemplateParameter.urlTemplate").GetString()!;
            var url = ConnectionParameter().Replace(template, match => _connection[match.Groups[1].Value]);
            return new Uri(Regex.Replace(url, "^https://", "http://"));
        }
    }

    /// <summary>Calls <paramref name="operationId"/> with the inputs by name (parameters and body properties alike).</summary>
    public async Task<DefinitionCall> CallAsync(string operationId, Dictionary<string, object?>? inputs = null, bool withKey = true)
    {
        inputs ??= new Dictionary<string, object?>();
        var operation = _definition.Operation(operationId);
        var declared = CertificationRules.Inputs(_definition, operation).ToList();
        var unknown = inputs.Keys.Where(name => !declared.Any(i => i.Name == name)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"{operationId} has no input named {string.Join(", ", unknown)} in the definition.", nameof(inputs));
        }

        var path = operation.Path;
        var query = new List<string>();
        var headers = new List<(string Name, string Value)>();
        JsonObject? body = null;
        foreach (var parameter in _definition.Parameters(operation))
        {
            var name = ConnectorDefinitionFolder.Name(parameter);
            var location = ConnectorDefinitionFolder.In(parameter);
            var required = parameter.TryGetProperty("required", out var r) && r.ValueKind == JsonValueKind.True;
            if (location == "body")
            {
                body = BuildBody(operationId, parameter, inputs, declared);
                if (body is null && required)
                {
                    throw new ArgumentException($"{operationId} requires a body.", nameof(inputs));
                }

                continue;
            }

            if (!inputs.TryGetValue(name, out var value) || value is null)
            {
                if (required)
                {
                    throw new ArgumentException($"{operationId} requires '{name}'.", nameof(inputs));
                }

                continue;
            }

            var text = Text(value);
            switch (location)
            {
                case "path":
                    var encoded = ConnectorDefinitionFolder.Text(parameter, "x-ms-url-encoding") == "single" ? Uri.EscapeDataString(text) : text;
                    path = path.Replace("{" + name + "}", encoded, StringComparison.Ordinal);
                    break;
                case "query":
                    query.Add($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(text)}");
                    break;
                case "header":
                    headers.Add((name, text));
                    break;
                default:
                    throw new NotSupportedException($"{operationId}: parameters in '{location}' are not supported.");
            }
        }

        var url = BaseUrl.AbsoluteUri.TrimEnd('/') + path + (query.Count > 0 ? "?" + string.Join("&", query) : string.Empty);
        using var request = new HttpRequestMessage(new HttpMethod(operation.Method.ToUpperInvariant()), new Uri(url));
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (withKey)
        {
            AddSecurity(request);
        }

        if (body is not null)
        {
            var json = body.ToJsonString();
            var requestErrors = _contract.ValidateRequestBody(operation.Path, operation.Method, Parse(json));
            if (requestErrors.Count > 0)
            {
                throw new ArgumentException($"{operationId}: the body does not match the definition: {string.Join("; ", requestErrors)}", nameof(inputs));
            }

            var mediaType = operation.Element.GetProperty("consumes")[0].GetString()!;
            request.Content = new StringContent(json, Encoding.UTF8, mediaType);
        }

        using var response = await _http.SendAsync(request);
        var content = await response.Content.ReadAsStringAsync();
        var answer = content.Length > 0 ? Parse(content) : default;
        var status = (int)response.StatusCode;
        IReadOnlyList<string> errors = _contract.DeclaresResponse(operation.Path, operation.Method, status)
            ? _contract.ValidateResponse(operation.Path, operation.Method, status, answer)
            : [];
        var call = new DefinitionCall(operationId, inputs.Where(i => i.Value is not null).Select(i => i.Key).ToHashSet(StringComparer.Ordinal), response.StatusCode, answer, errors);
        _calls.Add(call);
        return call;
    }

    /// <summary>Calls and insists on the one success answer the definition declares, valid against its schema.</summary>
    public async Task<JsonElement> OkAsync(string operationId, Dictionary<string, object?>? inputs = null)
    {
        var call = await CallAsync(operationId, inputs);
        var expected = SuccessStatus(operationId);
        Assert.True(call.Status == expected, $"{operationId}: expected {(int)expected}, got {(int)call.Status}: {call.Body}");
        Assert.True(call.SchemaErrors.Count == 0, $"{operationId}: the answer does not match the definition:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", call.SchemaErrors)}");
        return call.Body;
    }

    /// <summary>The one 2xx answer the definition declares for <paramref name="operationId"/> (200, or 201 for the trigger).</summary>
    public HttpStatusCode SuccessStatus(string operationId) =>
        (HttpStatusCode)Assert.Single(
            _definition.Operation(operationId).Element.GetProperty("responses").EnumerateObject()
                .Select(response => int.TryParse(response.Name, NumberStyles.Integer, CultureInfo.InvariantCulture, out var status) ? status : 0),
            status => status is >= 200 and < 300);

    /// <summary>
    /// What a dropdown offers, as the designer fills it: the input's x-ms-dynamic-values operation, called with its
    /// fixed values and the inputs chosen so far, read at value-collection, value-path and value-title.
    /// </summary>
    public async Task<IReadOnlyList<(string Value, string Title)>> OptionsAsync(string operationId, string input, IReadOnlyDictionary<string, object?>? chosen = null)
    {
        var operation = _definition.Operation(operationId);
        var schema = CertificationRules.Inputs(_definition, operation).Single(i => i.Name == input).Schema;
        var dynamic = schema.GetProperty("x-ms-dynamic-values");
        var arguments = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var argument in dynamic.GetProperty("parameters").EnumerateObject())
        {
            arguments[argument.Name] = argument.Value.TryGetProperty("value", out var fixedValue)
                ? fixedValue.ToString()
                : chosen?[argument.Value.GetProperty("parameter").GetString()!];
        }

        var answer = await OkAsync(dynamic.GetProperty("operationId").GetString()!, arguments);
        foreach (var step in dynamic.GetProperty("value-collection").GetString()!.Split('/'))
        {
            answer = answer.GetProperty(step);
        }

        var valuePath = dynamic.GetProperty("value-path").GetString()!;
        var titlePath = dynamic.GetProperty("value-title").GetString()!;
        return [.. answer.EnumerateArray().Select(item => (item.GetProperty(valuePath).GetString()!, item.GetProperty(titlePath).GetString()!))];
    }

    /// <summary>Made-up values of the right type for every required input: enough to reach the Host's key check.</summary>
    public Dictionary<string, object?> PlaceholderInputs(string operationId)
    {
        var operation = _definition.Operation(operationId);
        var bodyRequired = _definition.BodySchema(operation) is { } body && body.TryGetProperty("required", out var r)
            ? r.EnumerateArray().Select(x => x.GetString()!).ToHashSet(StringComparer.Ordinal)
            : [];
        return CertificationRules.Inputs(_definition, operation)
            .Where(i => i.In == "body" ? bodyRequired.Contains(i.Name) : i.Schema.TryGetProperty("required", out var req) && req.ValueKind == JsonValueKind.True)
            .ToDictionary(i => i.Name, i => Placeholder(i.Schema), StringComparer.Ordinal);
    }

    private static object? Placeholder(JsonElement schema) => ConnectorDefinitionFolder.Text(schema, "type") switch
    {
        "boolean" => false,
        "integer" or "number" => 1,
        "array" => Array.Empty<string>(),
        "object" => new Dictionary<string, string>(),
        _ => schema.TryGetProperty("enum", out var values) ? values[0].GetString() : "placeholder",
    };

    private JsonObject? BuildBody(string operationId, JsonElement parameter, Dictionary<string, object?> inputs, List<(string Name, string In, JsonElement Schema)> declared)
    {
        var body = new JsonObject();
        foreach (var (name, _, _) in declared.Where(i => i.In == "body"))
        {
            if (inputs.TryGetValue(name, out var value) && value is not null)
            {
                body[name] = JsonSerializer.SerializeToNode(value, value.GetType(), JsonSerializerOptions.Web);
            }
        }

        var schema = _definition.Resolve(parameter.GetProperty("schema"));
        foreach (var required in schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!) : [])
        {
            if (!body.ContainsKey(required))
            {
                throw new ArgumentException($"{operationId} requires the body property '{required}'.", nameof(inputs));
            }
        }

        return body.Count > 0 || parameter.TryGetProperty("required", out var req) && req.ValueKind == JsonValueKind.True ? body : null;
    }

    private void AddSecurity(HttpRequestMessage request)
    {
        foreach (var requirement in _definition.Swagger.GetProperty("security").EnumerateArray())
        {
            foreach (var scheme in requirement.EnumerateObject())
            {
                var definition = _definition.Swagger.GetProperty("securityDefinitions").GetProperty(scheme.Name);
                if (ConnectorDefinitionFolder.Text(definition, "type") != "apiKey" || ConnectorDefinitionFolder.Text(definition, "in") != "header")
                {
                    throw new NotSupportedException($"Security scheme '{scheme.Name}' is not an apiKey header.");
                }

                // Power Platform names an apiKey connection's secret api_key.
                request.Headers.TryAddWithoutValidation(definition.GetProperty("name").GetString()!, _connection["api_key"]);
            }
        }
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string Text(object value) => value switch
    {
        bool b => b ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    [GeneratedRegex(@"@connectionParameters\('([^']+)'\)")]
    private static partial Regex ConnectionParameter();
}
