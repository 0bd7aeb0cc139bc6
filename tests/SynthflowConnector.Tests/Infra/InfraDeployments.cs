using System.Text.Json.Nodes;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Infra;

/// <summary>
/// infra/main.bicep compiled to an ARM template, and the deployments it makes for the parameter sets the tests
/// check (sandbox on Flex Consumption, live with secrets, the Dedicated plan, another resource group), each taken
/// with <c>bicep snapshot</c> from a parameters file written to a temporary folder. Built once for the collection.
/// </summary>
public sealed class InfraDeployments : IAsyncLifetime
{
    public const string ApiKey = "sk-infra-test-4f1d2c7e";
    public const string WebhookSecret = "whsec-infra-test-9b3a";
    public const string ResourceGroup = "rg-synthflow-test";

    private readonly string _folder = Directory.CreateTempSubdirectory("synthflow-infra-").FullName;

    public static string InfraFolder { get; } = Path.Combine(RepositoryRoot.Path, "infra");

    /// <summary>The compiled ARM template (what <c>./build.sh infra</c> writes to artifacts/infra/main.json).</summary>
    public JsonObject Template { get; private set; } = new();

    public DeploymentSnapshot Sandbox { get; private set; } = null!;

    public DeploymentSnapshot Live { get; private set; } = null!;

    public DeploymentSnapshot Dedicated { get; private set; } = null!;

    public DeploymentSnapshot OtherGroup { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var build = await BicepCli.RunAsync(InfraFolder, "build", "main.bicep", "--outfile", Path.Combine(_folder, "main.json"));
        Assert.True(build.ExitCode == 0, build.Describe());
        Template = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, "main.json")))!.AsObject();

        var secrets = $"param synthflowApiKey = '{ApiKey}'\nparam synthflowWebhookSecret = '{WebhookSecret}'";
        var snapshots = await Task.WhenAll(
            SnapshotAsync("sandbox", "", ResourceGroup),
            SnapshotAsync("live", secrets, ResourceGroup),
            SnapshotAsync("dedicated", $"param hostingPlan = 'Dedicated'\nparam dedicatedPlanSku = 'P0v3'\n{secrets}", ResourceGroup),
            SnapshotAsync("other-group", "", "rg-synthflow-other"));
        (Sandbox, Live, Dedicated, OtherGroup) = (snapshots[0], snapshots[1], snapshots[2], snapshots[3]);
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<DeploymentSnapshot> SnapshotAsync(string name, string parameters, string resourceGroup)
    {
        // A .bicepparam names its template by a relative path.
        var template = Path.GetRelativePath(_folder, Path.Combine(InfraFolder, "main.bicep")).Replace('\\', '/');
        await File.WriteAllTextAsync(Path.Combine(_folder, $"{name}.bicepparam"), $"using '{template}'\n{parameters}\n");
        var snapshot = await BicepCli.RunAsync(
            _folder, "snapshot", $"{name}.bicepparam", "--mode", "overwrite",
            "--subscription-id", "00000000-0000-0000-0000-0000000000a1", "--resource-group", resourceGroup, "--location", "westeurope");
        Assert.True(snapshot.ExitCode == 0, snapshot.Describe());
        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, $"{name}.snapshot.json")))!.AsObject();
        Assert.True(json["diagnostics"] is not JsonArray { Count: > 0 }, $"{name}: {json["diagnostics"]?.ToJsonString()}");
        return new DeploymentSnapshot(json);
    }
}

[CollectionDefinition(Name)]
public sealed class InfraFixtureGroup : ICollectionFixture<InfraDeployments>
{
    public const string Name = "infra";
}
