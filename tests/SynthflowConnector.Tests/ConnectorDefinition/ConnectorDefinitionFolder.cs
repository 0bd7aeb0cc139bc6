using System.Text.Json;
using System.Text.Json.Nodes;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>
/// The files of <c>connector-definition/</c>, parsed. Immutable; the <c>With…</c> methods return a changed copy, which
/// is how the rule tests prove each rule catches a definition that breaks it.
/// </summary>
public sealed record ConnectorDefinitionFolder
{
    public const string SwaggerFile = "apiDefinition.swagger.json";
    public const string ApiPropertiesFile = "apiProperties.json";
    public const string SettingsFile = "settings.json";
    public const string IconFile = "icon.png";
    public const string ReadmeFile = "README.md";
    public const string LogicAppsTemplateFile = "logicapps-customapi.json";

    public static string Directory { get; } = Path.Combine(RepositoryRoot.Path, "connector-definition");

    public required JsonElement Swagger { get; init; }

    /// <summary>The definition's size on disk, in bytes.</summary>
    public required long SwaggerBytes { get; init; }

    public required JsonElement ApiProperties { get; init; }

    public required JsonElement Settings { get; init; }

    public required JsonElement LogicAppsTemplate { get; init; }

    public required string Readme { get; init; }

    public required byte[] Icon { get; init; }

    /// <summary>File names in the folder (no sub-folders).</summary>
    public required IReadOnlyList<string> Files { get; init; }

    public static ConnectorDefinitionFolder Load() => new()
    {
        Swagger = ParseFile(SwaggerFile),
        SwaggerBytes = new FileInfo(Path.Combine(Directory, SwaggerFile)).Length,
        ApiProperties = ParseFile(ApiPropertiesFile),
        Settings = ParseFile(SettingsFile),
        LogicAppsTemplate = ParseFile(LogicAppsTemplateFile),
        Readme = File.ReadAllText(Path.Combine(Directory, ReadmeFile)),
        Icon = File.ReadAllBytes(Path.Combine(Directory, IconFile)),
        Files = [.. System.IO.Directory.GetFiles(Directory).Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal)],
    };

    public ConnectorDefinitionFolder WithSwagger(Action<JsonObject> change) => this with { Swagger = Changed(Swagger, change) };

    public ConnectorDefinitionFolder WithApiProperties(Action<JsonObject> change) => this with { ApiProperties = Changed(ApiProperties, change) };

    public ConnectorDefinitionFolder WithSettings(Action<JsonObject> change) => this with { Settings = Changed(Settings, change) };

    public ConnectorDefinitionFolder WithLogicAppsTemplate(Action<JsonObject> change) => this with { LogicAppsTemplate = Changed(LogicAppsTemplate, change) };

    /// <summary>The operations in document order.</summary>
    public IReadOnlyList<SwaggerOperation> Operations => [.. SwaggerOperation.All(Swagger)];

    public SwaggerOperation Operation(string operationId) =>
        Operations.SingleOrDefault(operation => operation.OperationId == operationId)
        ?? throw new InvalidOperationException($"The definition has no operation '{operationId}'.");

    public string BasePath => Swagger.TryGetProperty("basePath", out var basePath) ? basePath.GetString() ?? string.Empty : string.Empty;

    /// <summary>Follows local <c>$ref</c>s (<c>#/definitions/…</c>, <c>#/parameters/…</c>) to the element they name.</summary>
    public JsonElement Resolve(JsonElement element)
    {
        for (var hops = 0; element.ValueKind == JsonValueKind.Object && element.TryGetProperty("$ref", out var reference); hops++)
        {
            if (hops > 16)
            {
                throw new InvalidOperationException("A $ref chain is too long (a cycle?).");
            }

            element = ResolvePointer(reference.GetString()!);
        }

        return element;
    }

    public JsonElement ResolvePointer(string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Only local references are supported, not '{reference}'.");
        }

        var target = Swagger;
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

    /// <summary>An operation's parameters (path-level and operation-level), <c>$ref</c>s resolved.</summary>
    public IReadOnlyList<JsonElement> Parameters(SwaggerOperation operation)
    {
        var all = new List<JsonElement>();
        foreach (var holder in new[] { operation.PathItem, operation.Element })
        {
            if (holder.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Array)
            {
                all.AddRange(parameters.EnumerateArray().Select(Resolve));
            }
        }

        return all;
    }

    /// <summary>The body parameter's schema (resolved), if the operation has a body.</summary>
    public JsonElement? BodySchema(SwaggerOperation operation) =>
        Parameters(operation).Where(p => In(p) == "body").Select(p => p.TryGetProperty("schema", out var schema) ? Resolve(schema) : default).Cast<JsonElement?>().FirstOrDefault();

    /// <summary>The schema of the one success response that carries one (resolved), if any.</summary>
    public (string Status, JsonElement Schema)? SuccessSchema(SwaggerOperation operation) =>
        operation.Responses()
            .Where(response => response.Status is "200" or "201" or "202" && response.Element.TryGetProperty("schema", out _))
            .Select(response => ((string Status, JsonElement Schema)?)(response.Status, Resolve(response.Element.GetProperty("schema"))))
            .FirstOrDefault();

    /// <summary>
    /// Every property of a schema and of the schemas nested in it (items, additionalProperties, <c>$ref</c>s, each
    /// definition once), with a readable location such as <c>agents[].modelId</c>.
    /// </summary>
    public IEnumerable<(string Location, JsonElement Schema)> NestedProperties(JsonElement schema, string location = "")
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return Walk(schema, location, seen);
    }

    private IEnumerable<(string Location, JsonElement Schema)> Walk(JsonElement schema, string location, HashSet<string> seen)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            if (!seen.Add(reference.GetString()!))
            {
                yield break;
            }

            schema = Resolve(schema);
        }

        if (schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in properties.EnumerateObject())
            {
                var at = location.Length == 0 ? property.Name : $"{location}.{property.Name}";
                yield return (at, property.Value);
                foreach (var nested in Walk(property.Value, at, seen))
                {
                    yield return nested;
                }
            }
        }

        if (schema.TryGetProperty("items", out var items))
        {
            foreach (var nested in Walk(items, location + "[]", seen))
            {
                yield return nested;
            }
        }

        if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.Object)
        {
            foreach (var nested in Walk(additional, location + "{}", seen))
            {
                yield return nested;
            }
        }
    }

    public static string In(JsonElement parameter) => parameter.TryGetProperty("in", out var location) ? location.GetString() ?? string.Empty : string.Empty;

    public static string Name(JsonElement parameter) => parameter.TryGetProperty("name", out var name) ? name.GetString() ?? string.Empty : string.Empty;

    public static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonElement ParseFile(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, name)));
        return document.RootElement.Clone();
    }

    private static JsonElement Changed(JsonElement original, Action<JsonObject> change)
    {
        var node = JsonNode.Parse(original.GetRawText())!.AsObject();
        change(node);
        using var document = JsonDocument.Parse(node.ToJsonString());
        return document.RootElement.Clone();
    }
}

/// <summary>One path + method of the definition.</summary>
public sealed record SwaggerOperation(string Path, string Method, JsonElement PathItem, JsonElement Element)
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options"];

    public string? OperationId => ConnectorDefinitionFolder.Text(Element, "operationId");

    /// <summary>How violations name the operation: its operationId, or method and path when it has none.</summary>
    public string Name => OperationId ?? $"{Method.ToUpperInvariant()} {Path}";

    public string? Summary => ConnectorDefinitionFolder.Text(Element, "summary");

    public string? Description => ConnectorDefinitionFolder.Text(Element, "description");

    public string? Visibility => ConnectorDefinitionFolder.Text(Element, "x-ms-visibility");

    public IEnumerable<(string Status, JsonElement Element)> Responses() =>
        Element.TryGetProperty("responses", out var responses) && responses.ValueKind == JsonValueKind.Object
            ? responses.EnumerateObject().Select(response => (response.Name, response.Value))
            : [];

    public static IEnumerable<SwaggerOperation> All(JsonElement swagger)
    {
        if (!swagger.TryGetProperty("paths", out var paths) || paths.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        foreach (var path in paths.EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject().Where(m => Methods.Contains(m.Name)))
            {
                yield return new SwaggerOperation(path.Name, method.Name, path.Value, method.Value);
            }
        }
    }
}
