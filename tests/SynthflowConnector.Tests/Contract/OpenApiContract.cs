using System.Globalization;
using System.Text.Json;

namespace SynthflowConnector.Tests.Contract;

/// <summary>
/// Validates JSON against the schemas of an OpenAPI 3.1 document (Synthflow's subset) or a Swagger 2.0 one (the
/// connector definition). A deliberately small JSON-schema validator that knows exactly the keywords those documents
/// use: <c>type</c> (a name or an array of names, <c>"null"</c> included), <c>properties</c>, <c>required</c>,
/// <c>items</c>, <c>enum</c>, local <c>$ref</c> (<c>#/components/schemas/…</c> or <c>#/definitions/…</c>),
/// <c>oneOf</c> (exactly one alternative must match), <c>additionalProperties</c> (boolean or schema) and Swagger's
/// <c>x-nullable</c>. Annotations (<c>format</c>, <c>description</c>, <c>title</c>, <c>default</c>, vendor
/// extensions such as <c>x-ms-summary</c>, …) are ignored. Any other keyword throws: a schema this validator does not
/// understand must fail loudly, never pass silently.
/// </summary>
public sealed class OpenApiContract
{
    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "format", "description", "title", "default", "example", "examples", "deprecated", "readOnly", "writeOnly", "$comment",
    };

    private readonly JsonElement _document;
    private readonly bool _undeclaredPropertiesAreErrors;

    private OpenApiContract(JsonElement document, bool undeclaredPropertiesAreErrors)
    {
        _document = document;
        _undeclaredPropertiesAreErrors = undeclaredPropertiesAreErrors;
    }

    /// <summary>The subset copied next to the tests (<c>Contract/synthflow-openapi-subset.json</c>).</summary>
    public static OpenApiContract Load() =>
        Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Contract", "synthflow-openapi-subset.json")));

    /// <param name="json">The OpenAPI 3.1 or Swagger 2.0 document.</param>
    /// <param name="undeclaredPropertiesAreErrors">
    /// When true, an object property that a schema with <c>properties</c> and no <c>additionalProperties</c> does not
    /// declare is an error (JSON Schema allows it): for documents we own, where an undeclared property means the
    /// document lags behind the code.
    /// </param>
    public static OpenApiContract Parse(string json, bool undeclaredPropertiesAreErrors = false)
    {
        using var document = JsonDocument.Parse(json);
        return new OpenApiContract(document.RootElement.Clone(), undeclaredPropertiesAreErrors);
    }

    /// <summary>Whether the spec declares a JSON schema for this operation's <paramref name="status"/> answer.</summary>
    public bool DeclaresResponse(string path, string method, int status) =>
        Operation(path, method).TryGetProperty("responses", out var responses)
        && responses.TryGetProperty(status.ToString(CultureInfo.InvariantCulture), out var response)
        && TryJsonSchema(response, out _);

    /// <summary>Errors of <paramref name="body"/> against the declared answer; empty when valid.</summary>
    /// <param name="path">The path exactly as the spec writes it, e.g. <c>/assistants/{model_id}</c>.</param>
    /// <param name="method">HTTP method, any case.</param>
    /// <param name="status">HTTP status; it must be declared (see <see cref="DeclaresResponse"/>).</param>
    /// <param name="body">The answer's JSON.</param>
    public IReadOnlyList<string> ValidateResponse(string path, string method, int status, JsonElement body)
    {
        var responses = Operation(path, method).GetProperty("responses");
        if (!responses.TryGetProperty(status.ToString(CultureInfo.InvariantCulture), out var response) || !TryJsonSchema(response, out var schema))
        {
            throw new InvalidOperationException($"The spec declares no JSON answer for {method.ToUpperInvariant()} {path} {status}.");
        }

        return Validate(schema, body);
    }

    /// <summary>Errors of a request body against the operation's declared request schema; empty when valid.</summary>
    public IReadOnlyList<string> ValidateRequestBody(string path, string method, JsonElement body)
    {
        var operation = Operation(path, method);
        var requestBody = operation.TryGetProperty("requestBody", out var openApi3Body)
            ? openApi3Body
            : operation.TryGetProperty("parameters", out var parameters)
                ? parameters.EnumerateArray().FirstOrDefault(p => p.TryGetProperty("in", out var location) && location.GetString() == "body")
                : default;
        if (requestBody.ValueKind != JsonValueKind.Object || !TryJsonSchema(requestBody, out var schema))
        {
            throw new InvalidOperationException($"The spec declares no JSON request body for {method.ToUpperInvariant()} {path}.");
        }

        return Validate(schema, body);
    }

    /// <summary>Errors of <paramref name="value"/> against <c>#/components/schemas/{schemaName}</c>; empty when valid.</summary>
    public IReadOnlyList<string> ValidateComponent(string schemaName, JsonElement value) =>
        Validate(Resolve("#/components/schemas/" + EscapePointer(schemaName)), value);

    private List<string> Validate(JsonElement schema, JsonElement value)
    {
        var errors = new List<string>();
        Check(schema, value, "#", errors);
        return errors;
    }

    private JsonElement Operation(string path, string method)
    {
        if (!_document.GetProperty("paths").TryGetProperty(path, out var item)
            || !item.TryGetProperty(method.ToLowerInvariant(), out var operation))
        {
            throw new ArgumentException($"The spec has no operation {method.ToUpperInvariant()} {path}.", nameof(path));
        }

        return operation;
    }

    /// <summary>OpenAPI 3: <c>content/application/json/schema</c>; Swagger 2.0: <c>schema</c> on the response or body parameter.</summary>
    private static bool TryJsonSchema(JsonElement holder, out JsonElement schema)
    {
        schema = default;
        return (holder.TryGetProperty("content", out var content)
                && content.TryGetProperty("application/json", out var media)
                && media.TryGetProperty("schema", out schema))
            || holder.TryGetProperty("schema", out schema);
    }

    private JsonElement Resolve(string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"Only local references are supported, not '{reference}'.");
        }

        var target = _document;
        foreach (var token in reference[2..].Split('/'))
        {
            var name = token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (target.ValueKind != JsonValueKind.Object || !target.TryGetProperty(name, out target))
            {
                throw new InvalidOperationException($"The reference '{reference}' does not resolve.");
            }
        }

        return target;
    }

    private void Check(JsonElement schema, JsonElement value, string at, List<string> errors)
    {
        switch (schema.ValueKind)
        {
            case JsonValueKind.True:
                return;
            case JsonValueKind.False:
                errors.Add($"{at}: no value is allowed here");
                return;
            case JsonValueKind.Object:
                break;
            default:
                throw new InvalidOperationException($"A schema must be an object or a boolean, found {schema.ValueKind} (validating {at}).");
        }

        // Swagger 2.0 has no "null" type: x-nullable allows null where the schema's type would not.
        if (value.ValueKind == JsonValueKind.Null && schema.TryGetProperty("x-nullable", out var nullable) && nullable.ValueKind == JsonValueKind.True)
        {
            return;
        }

        foreach (var keyword in schema.EnumerateObject())
        {
            switch (keyword.Name)
            {
                case "$ref":
                    // OpenAPI 3.1 (JSON Schema 2020-12): keywords next to $ref apply as well, so no early return.
                    Check(Resolve(keyword.Value.GetString()!), value, at, errors);
                    break;
                case "type":
                    CheckType(keyword.Value, value, at, errors);
                    break;
                case "enum":
                    if (!keyword.Value.EnumerateArray().Any(allowed => JsonElement.DeepEquals(allowed, value)))
                    {
                        errors.Add($"{at}: {value.GetRawText()} is not one of [{string.Join(", ", keyword.Value.EnumerateArray().Select(e => e.GetRawText()))}]");
                    }

                    break;
                case "properties" when value.ValueKind == JsonValueKind.Object:
                    foreach (var property in keyword.Value.EnumerateObject())
                    {
                        if (value.TryGetProperty(property.Name, out var propertyValue))
                        {
                            Check(property.Value, propertyValue, Child(at, property.Name), errors);
                        }
                    }

                    if (_undeclaredPropertiesAreErrors && !schema.TryGetProperty("additionalProperties", out _))
                    {
                        foreach (var property in value.EnumerateObject().Where(p => !keyword.Value.TryGetProperty(p.Name, out _)))
                        {
                            errors.Add($"{Child(at, property.Name)}: the property is not declared");
                        }
                    }

                    break;
                case "required" when value.ValueKind == JsonValueKind.Object:
                    foreach (var name in keyword.Value.EnumerateArray().Select(n => n.GetString()!))
                    {
                        if (!value.TryGetProperty(name, out _))
                        {
                            errors.Add($"{at}: required property '{name}' is missing");
                        }
                    }

                    break;
                case "additionalProperties" when value.ValueKind == JsonValueKind.Object:
                    var declared = schema.TryGetProperty("properties", out var properties)
                        ? properties.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal)
                        : [];
                    foreach (var property in value.EnumerateObject().Where(p => !declared.Contains(p.Name)))
                    {
                        Check(keyword.Value, property.Value, Child(at, property.Name), errors);
                    }

                    break;
                case "items" when value.ValueKind == JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in value.EnumerateArray())
                    {
                        Check(keyword.Value, item, Child(at, (index++).ToString(CultureInfo.InvariantCulture)), errors);
                    }

                    break;
                case "oneOf":
                    CheckOneOf(keyword.Value, value, at, errors);
                    break;
                case "properties" or "required" or "additionalProperties" or "items":
                    // Apply to objects (arrays for items) only; `type` reports a value of the wrong kind.
                    break;
                case var name when Annotations.Contains(name):
                    break;
                case var name when name.StartsWith("x-", StringComparison.Ordinal):
                    // Vendor extensions (x-ms-summary, x-ms-dynamic-values, …) annotate; x-nullable is handled above.
                    break;
                default:
                    throw new NotSupportedException($"The schema keyword '{keyword.Name}' is not supported by this validator (validating {at}).");
            }
        }
    }

    private void CheckOneOf(JsonElement alternatives, JsonElement value, string at, List<string> errors)
    {
        var failures = new List<string>();
        var matched = 0;
        var position = 0;
        foreach (var alternative in alternatives.EnumerateArray())
        {
            position++;
            var alternativeErrors = new List<string>();
            Check(alternative, value, at, alternativeErrors);
            if (alternativeErrors.Count == 0)
            {
                matched++;
            }
            else
            {
                failures.Add($"alternative {position}: {string.Join("; ", alternativeErrors)}");
            }
        }

        if (matched == 0)
        {
            errors.Add($"{at}: matches none of the oneOf alternatives ({string.Join(" | ", failures)})");
        }
        else if (matched > 1)
        {
            errors.Add($"{at}: matches {matched} oneOf alternatives, exactly one is allowed");
        }
    }

    private static void CheckType(JsonElement type, JsonElement value, string at, List<string> errors)
    {
        string[] allowed = type.ValueKind == JsonValueKind.Array
            ? [.. type.EnumerateArray().Select(t => t.GetString()!)]
            : [type.GetString()!];
        if (!allowed.Any(name => IsOfType(name, value)))
        {
            errors.Add($"{at}: expected {string.Join(" or ", allowed)}, found {KindName(value)}");
        }
    }

    private static bool IsOfType(string name, JsonElement value) => name switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && IsWhole(value),
        _ => throw new NotSupportedException($"Unknown JSON type '{name}'."),
    };

    private static bool IsWhole(JsonElement number) =>
        number.TryGetInt64(out _) || (number.TryGetDecimal(out var value) && value == decimal.Truncate(value));

    private static string KindName(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => IsWhole(value) ? "integer" : "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => value.ValueKind.ToString(),
    };

    private static string Child(string at, string name) => at + "/" + EscapePointer(name);

    private static string EscapePointer(string name) =>
        name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
