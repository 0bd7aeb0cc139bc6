using System.Text.Json.Nodes;
using SynthflowConnector.Tests.Infra;

namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>
/// <c>./build.sh connector-copy &lt;host&gt;</c>, the step of <c>./build.sh deploy</c> that writes the connector
/// definition for one deployment: the deployed host in the definition, every other file and field unchanged.
/// </summary>
public sealed class ConnectorCopyTests
{
    private const string Host = "func-synthflow-abc123def456g.azurewebsites.net";
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(1);
    private static readonly string[] CopiedAsIs =
    [
        ConnectorDefinitionFolder.ApiPropertiesFile, ConnectorDefinitionFolder.SettingsFile, ConnectorDefinitionFolder.IconFile, ConnectorDefinitionFolder.ReadmeFile,
    ];

    [Fact]
    public async Task The_copy_names_the_deployed_host_and_is_otherwise_the_connector_definition()
    {
        var folder = Directory.CreateTempSubdirectory("synthflow-connector-").FullName;
        try
        {
            var copy = await Command.BuildShAsync(["connector-copy", Host, folder], Deadline);

            Assert.True(copy.ExitCode == 0, copy.Describe());
            var source = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(ConnectorDefinitionFolder.Directory, ConnectorDefinitionFolder.SwaggerFile)))!.AsObject();
            var generated = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(folder, ConnectorDefinitionFolder.SwaggerFile)))!.AsObject();
            Assert.Equal(Host, (string?)generated["host"]);
            Assert.NotEqual(Host, (string?)source["host"]);
            source["host"] = Host;
            Assert.True(JsonNode.DeepEquals(source, generated), "the generated definition differs from connector-definition/ in more than its host");

            foreach (var file in CopiedAsIs)
            {
                Assert.Equal(
                    await File.ReadAllBytesAsync(Path.Combine(ConnectorDefinitionFolder.Directory, file)),
                    await File.ReadAllBytesAsync(Path.Combine(folder, file)));
            }

            Assert.Equal(
                CopiedAsIs.Append(ConnectorDefinitionFolder.SwaggerFile).Order(StringComparer.Ordinal),
                Directory.GetFiles(folder).Select(file => Path.GetFileName(file)).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_copy_validates_against_the_PowerPlatformConnectors_schemas()
    {
        var folder = Directory.CreateTempSubdirectory("synthflow-connector-").FullName;
        try
        {
            var copy = await Command.BuildShAsync(["connector-copy", Host, folder], Deadline);

            Assert.True(copy.ExitCode == 0, copy.Describe());
            foreach (var (schema, file) in ConnectorSchemas.FileOf)
            {
                var errors = await ConnectorSchemas.ValidateAsync(schema, await File.ReadAllTextAsync(Path.Combine(folder, file)));
                Assert.True(errors.Count == 0, $"{file}: {string.Join(Environment.NewLine, errors)}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("https://func-synthflow.azurewebsites.net")]
    [InlineData("func-synthflow.azurewebsites.net/api")]
    [InlineData("")]
    public async Task A_host_with_a_scheme_or_path_is_refused_and_nothing_is_written(string host)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"synthflow-connector-{Guid.NewGuid():N}");

        var copy = await Command.BuildShAsync(["connector-copy", host, folder], Deadline);

        Assert.Equal(2, copy.ExitCode);
        Assert.Contains("usage: ./build.sh connector-copy", copy.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }
}
