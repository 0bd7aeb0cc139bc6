using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.References;

namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>
/// The JSON schemas microsoft/PowerPlatformConnectors publishes for connector submissions, vendored in
/// connector-definition/schemas/ (see its README), and validation of a connector file against them, offline.
/// </summary>
public static class ConnectorSchemas
{
    public const string ApiDefinition = "apiDefinition.swagger.schema.json";
    public const string ApiProperties = "paconn-apiProperties.schema.json";
    public const string Settings = "paconn-settings.schema.json";

    private const string DraftFourMetaSchemaUrl = "http://json-schema.org/draft-04/schema";

    public static string Directory { get; } = Path.Combine(ConnectorDefinitionFolder.Directory, "schemas");

    /// <summary>The connector file each schema validates.</summary>
    public static IReadOnlyDictionary<string, string> FileOf { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [ApiDefinition] = ConnectorDefinitionFolder.SwaggerFile,
        [ApiProperties] = ConnectorDefinitionFolder.ApiPropertiesFile,
        [Settings] = ConnectorDefinitionFolder.SettingsFile,
    };

    /// <summary>Every violation of <paramref name="schemaFile"/> in <paramref name="json"/>, as path and kind; empty when valid.</summary>
    public static async Task<IReadOnlyList<string>> ValidateAsync(string schemaFile, string json)
    {
        var schema = await LoadAsync(schemaFile);
        // Strings stay strings (no date parsing), as the schema sees them.
        using var text = new StringReader(json);
        using var reader = new JsonTextReader(text) { DateParseHandling = DateParseHandling.None };
        var document = await JToken.ReadFromAsync(reader);
        return schema.Validate(document).Select(error => error.ToString()).ToList();
    }

    private static async Task<JsonSchema> LoadAsync(string schemaFile)
    {
        var path = Path.Combine(Directory, schemaFile);
        // The schemas carry // comments, which the JSON reader NJsonSchema uses skips.
        return await JsonSchema.FromJsonAsync(await File.ReadAllTextAsync(path), path, schema =>
            new OfflineReferenceResolver(new JsonSchemaAppender(schema, new DefaultTypeNameGenerator())));
    }

    /// <summary>Resolves the Swagger schema's references into the draft-04 meta-schema from the vendored copy; nothing is downloaded.</summary>
    private sealed class OfflineReferenceResolver(JsonSchemaAppender appender) : JsonReferenceResolver(appender)
    {
        public override async Task<IJsonReference> ResolveUrlReferenceAsync(string url, CancellationToken cancellationToken = default)
        {
            if (!url.TrimEnd('#').Equals(DraftFourMetaSchemaUrl, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The connector schemas reference {url}, which is not vendored in connector-definition/schemas/.");
            }

            return await JsonSchema.FromFileAsync(Path.Combine(Directory, "json-schema-draft-04.json"), cancellationToken);
        }
    }
}
