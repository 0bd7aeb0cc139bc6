namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>The connector files validate against the schemas Microsoft publishes for connector submissions.</summary>
public sealed class ConnectorSchemaTests
{
    [Theory]
    [InlineData(ConnectorSchemas.ApiDefinition)]
    [InlineData(ConnectorSchemas.ApiProperties)]
    [InlineData(ConnectorSchemas.Settings)]
    public async Task Each_connector_file_validates_against_its_PowerPlatformConnectors_schema(string schemaFile)
    {
        var file = ConnectorSchemas.FileOf[schemaFile];
        var json = await File.ReadAllTextAsync(Path.Combine(ConnectorDefinitionFolder.Directory, file));

        var errors = await ConnectorSchemas.ValidateAsync(schemaFile, json);

        Assert.True(errors.Count == 0, $"{file} breaks {schemaFile}:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
    }

    [Theory]
    [InlineData(ConnectorSchemas.Settings, """{ "environment": "" }""")]
    [InlineData(ConnectorSchemas.Settings, """{ "environment": "Default-1234" }""")]
    [InlineData(ConnectorSchemas.Settings, """{ "apiDefinition": "apiDefinition.swagger.json", "unknown": 1 }""")]
    [InlineData(ConnectorSchemas.ApiDefinition, """{ "swagger": "2.0", "info": { "title": "t", "version": "1.0" }, "host": "https://func.azurewebsites.net", "paths": {} }""")]
    [InlineData(ConnectorSchemas.ApiDefinition, """{ "swagger": "2.0", "info": { "title": "t", "version": "1.0" }, "paths": { "/a": { "get": { "responses": { "200": { "description": "ok" } }, "x-ms-visibility": "hidden" } } } }""")]
    [InlineData(ConnectorSchemas.ApiProperties, """{ "properties": { "iconBrandColor": "#4338CA", "policyTemplateInstances": [ { "templateId": "dynamichosturl", "parameters": {} } ] } }""")]
    [InlineData(ConnectorSchemas.ApiProperties, """{ "properties": { "connectionParameters": {} } }""")]
    public async Task The_schemas_reject_what_a_submission_may_not_contain(string schemaFile, string json)
    {
        var errors = await ConnectorSchemas.ValidateAsync(schemaFile, json);

        Assert.NotEmpty(errors);
    }

    [Fact]
    public async Task A_settings_file_may_name_its_environment_by_id()
    {
        var errors = await ConnectorSchemas.ValidateAsync(ConnectorSchemas.Settings, """{ "environment": "0f4d2a8e-5b1c-4e7a-9d3f-2c6b8a1e4f70" }""");

        Assert.Empty(errors);
    }
}
