using System.Text.RegularExpressions;

namespace SynthflowConnector.Tests.Infra;

/// <summary>
/// What infra/ deploys around the app: shared-key-free storage, the app identity's roles, HTTPS and TLS 1.2 only,
/// no FTP or basic-auth publishing, RBAC Key Vault, generated globally unique names, either hosting plan.
/// </summary>
[Collection(InfraFixtureGroup.Name)]
public sealed partial class InfraSecurityTests(InfraDeployments infra)
{
    private const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    private const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    private const string KeyVaultSecretsUser = "4633458b-17de-408a-b874-0445c86b69e6";
    private const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    [Fact]
    public void The_storage_account_refuses_shared_keys_plain_HTTP_and_old_TLS()
    {
        var properties = infra.Sandbox.Only("Microsoft.Storage/storageAccounts")["properties"]!;
        Assert.False((bool)properties["allowSharedKeyAccess"]!);
        Assert.True((bool)properties["supportsHttpsTrafficOnly"]!);
        Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
        Assert.False((bool)properties["allowBlobPublicAccess"]!);
    }

    [Fact]
    public void The_apps_identity_holds_the_storage_Key_Vault_and_telemetry_roles_on_its_own_resources()
    {
        var site = infra.Sandbox.Site;
        Assert.Equal("SystemAssigned", (string?)site["identity"]!["type"]);
        var storage = (string)infra.Sandbox.Only("Microsoft.Storage/storageAccounts")["id"]!;
        var vault = (string)infra.Sandbox.Only("Microsoft.KeyVault/vaults")["id"]!;
        var insights = (string)infra.Sandbox.Only("Microsoft.Insights/components")["id"]!;
        var expected = new[]
        {
            (StorageBlobDataOwner, storage),
            (StorageQueueDataContributor, storage),
            (StorageTableDataContributor, storage),
            (KeyVaultSecretsUser, vault),
            (MonitoringMetricsPublisher, insights),
        };

        var assignments = infra.Sandbox.RoleAssignments;
        Assert.Equal(expected.Order(), assignments.Select(assignment => (assignment.Role, assignment.Scope)).Order());
        foreach (var assignment in assignments)
        {
            Assert.Equal("ServicePrincipal", assignment.PrincipalType);
            Assert.Contains($"'{(string)site["id"]!}'", assignment.Principal, StringComparison.Ordinal);
            Assert.EndsWith(".identity.principalId]", assignment.Principal, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_Key_Vault_authorizes_with_RBAC()
    {
        var properties = infra.Sandbox.Only("Microsoft.KeyVault/vaults")["properties"]!;
        Assert.True((bool)properties["enableRbacAuthorization"]!);
        Assert.Null(properties["accessPolicies"]);
    }

    [Fact]
    public void The_app_serves_HTTPS_only_with_TLS_1_2_and_no_FTP_or_basic_auth_publishing()
    {
        foreach (var snapshot in new[] { infra.Sandbox, infra.Dedicated })
        {
            var properties = snapshot.Site["properties"]!;
            Assert.True((bool)properties["httpsOnly"]!);
            Assert.Equal("1.2", (string?)properties["siteConfig"]!["minTlsVersion"]);
            Assert.Equal("1.2", (string?)properties["siteConfig"]!["scmMinTlsVersion"]);
            Assert.Equal("Disabled", (string?)properties["siteConfig"]!["ftpsState"]);

            var app = (string)snapshot.Site["name"]!;
            var policies = snapshot.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies")
                .ToDictionary(policy => (string)policy["name"]!, policy => (bool)policy["properties"]!["allow"]!, StringComparer.Ordinal);
            Assert.Equal(new Dictionary<string, bool> { [$"{app}/ftp"] = false, [$"{app}/scm"] = false }, policies);
        }
    }

    [Fact]
    public void Flex_Consumption_deploys_from_a_blob_container_with_the_apps_identity()
    {
        var plan = infra.Sandbox.Only("Microsoft.Web/serverfarms");
        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);
        Assert.True((bool)plan["properties"]!["reserved"]!);

        var config = infra.Sandbox.Site["properties"]!["functionAppConfig"]!;
        Assert.Equal("blobContainer", (string?)config["deployment"]!["storage"]!["type"]);
        Assert.Equal("SystemAssignedIdentity", (string?)config["deployment"]!["storage"]!["authentication"]!["type"]);
        Assert.EndsWith("'app-package')]", (string)config["deployment"]!["storage"]!["value"]!, StringComparison.Ordinal);
        Assert.Single(infra.Sandbox.OfType("Microsoft.Storage/storageAccounts/blobServices/containers"), container => ((string)container["name"]!).EndsWith("/app-package", StringComparison.Ordinal));
        Assert.True((int)config["scaleAndConcurrency"]!["maximumInstanceCount"]! > 0);
    }

    [Fact]
    public void The_Dedicated_plan_is_a_Linux_App_Service_plan_with_Always_On()
    {
        var plan = infra.Dedicated.Only("Microsoft.Web/serverfarms");
        Assert.Equal("P0v3", (string?)plan["sku"]!["name"]);
        Assert.True((bool)plan["properties"]!["reserved"]!);
        Assert.True((bool)infra.Dedicated.Site["properties"]!["siteConfig"]!["alwaysOn"]!);
    }

    [Fact]
    public void Globally_unique_names_are_generated_from_the_resource_group()
    {
        var types = new[] { "Microsoft.Web/sites", "Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults" };
        foreach (var type in types)
        {
            Assert.NotEqual(infra.Sandbox.NameOf(type), infra.OtherGroup.NameOf(type));
            Assert.Equal(infra.Sandbox.NameOf(type), infra.Live.NameOf(type));
        }

        Assert.Matches(StorageAccountName(), infra.Sandbox.NameOf("Microsoft.Storage/storageAccounts"));
        Assert.Matches(KeyVaultName(), infra.Sandbox.NameOf("Microsoft.KeyVault/vaults"));
        Assert.StartsWith("func-synthflow-", infra.Sandbox.NameOf("Microsoft.Web/sites"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_deployment_outputs_the_apps_name_and_host_name()
    {
        var outputs = infra.Template["outputs"]!;
        Assert.Equal("string", (string?)outputs["functionAppHostName"]!["type"]);
        Assert.Contains(".defaultHostName", (string)outputs["functionAppHostName"]!["value"]!, StringComparison.Ordinal);
        Assert.Equal(infra.Sandbox.NameOf("Microsoft.Web/sites"), (string?)infra.Sandbox.Outputs["functionAppName"]);
    }

    [Fact]
    public async Task The_linter_configuration_turns_a_rule_violation_into_an_error()
    {
        var folder = Directory.CreateTempSubdirectory("synthflow-bicep-lint-").FullName;
        try
        {
            File.Copy(Path.Combine(InfraDeployments.InfraFolder, "bicepconfig.json"), Path.Combine(folder, "bicepconfig.json"));
            await File.WriteAllTextAsync(Path.Combine(folder, "unused.bicep"), "param unused string = 'x'\n");

            var lint = await BicepCli.RunAsync(folder, "lint", "unused.bicep");

            Assert.NotEqual(0, lint.ExitCode);
            Assert.Contains("Error no-unused-params", lint.Output + lint.Error, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Build_sh_infra_lints_and_compiles_infra_without_a_warning()
    {
        var infraBuild = await Command.BuildShAsync(["infra"], TimeSpan.FromMinutes(3));

        Assert.True(infraBuild.ExitCode == 0, infraBuild.Describe());
        Assert.DoesNotContain(" : Warning ", infraBuild.Output + infraBuild.Error, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(Infrastructure.RepositoryRoot.Path, "artifacts", "infra", "main.json")));
    }

    [GeneratedRegex("^st[a-z0-9]{3,22}$")]
    private static partial Regex StorageAccountName();

    [GeneratedRegex("^kv[a-z0-9]{1,22}$")]
    private static partial Regex KeyVaultName();
}
