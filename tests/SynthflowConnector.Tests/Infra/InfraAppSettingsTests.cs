using System.Text.Json.Nodes;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Infra;

/// <summary>
/// The Function App's settings as infra/ deploys them: every setting of local.settings.example.json is there with the
/// same default, storage is reached by identity, and the Synthflow secrets are only ever Key Vault references.
/// </summary>
[Collection(InfraFixtureGroup.Name)]
public sealed class InfraAppSettingsTests(InfraDeployments infra)
{
    private const string KeyVaultReference = "@Microsoft.KeyVault(SecretUri=";

    private static readonly Dictionary<string, string> ExampleSettings =
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "local.settings.example.json")))!["Values"]!.AsObject()
            .ToDictionary(setting => setting.Key, setting => (string)setting.Value!, StringComparer.Ordinal);

    // Not app settings under these names: the platform takes them elsewhere (asserted by the tests below).
    private static readonly string[] PlatformSettings = ["FUNCTIONS_WORKER_RUNTIME", "AzureWebJobsStorage"];

    [Fact]
    public void Every_setting_of_the_example_file_is_deployed_with_the_same_default()
    {
        Assert.NotEmpty(ExampleSettings);
        var deployed = infra.Sandbox.AppSettings;
        foreach (var (name, value) in ExampleSettings.Where(setting => !PlatformSettings.Contains(setting.Key)))
        {
            Assert.True(deployed.TryGetValue(name, out var actual), $"{name} is not an app setting of the Function App");
            Assert.True(actual == value, $"{name}: deployed '{actual}', local.settings.example.json '{value}'");
        }
    }

    [Fact]
    public void Every_app_setting_of_the_connector_has_a_parameter()
    {
        var parameters = infra.Template["parameters"]!.AsObject().Select(parameter => parameter.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var name in ExampleSettings.Keys.Where(name => name.Contains("__", StringComparison.Ordinal)))
        {
            // Synthflow__MaxRetries -> synthflowMaxRetries
            var parameter = name.Replace("__", "", StringComparison.Ordinal);
            Assert.True(parameters.Contains(parameter), $"{name} has no parameter '{parameter}' in infra/main.bicep");
        }
    }

    [Fact]
    public void The_worker_runtime_is_dotnet_isolated_10_on_either_plan()
    {
        Assert.Equal("dotnet-isolated", ExampleSettings["FUNCTIONS_WORKER_RUNTIME"]);

        // Flex Consumption takes the runtime from functionAppConfig and refuses the FUNCTIONS_* settings.
        var runtime = infra.Sandbox.Site["properties"]!["functionAppConfig"]!["runtime"]!;
        Assert.Equal("dotnet-isolated", (string?)runtime["name"]);
        Assert.Equal("10.0", (string?)runtime["version"]);
        Assert.DoesNotContain("FUNCTIONS_WORKER_RUNTIME", infra.Sandbox.AppSettings.Keys);
        Assert.DoesNotContain("FUNCTIONS_EXTENSION_VERSION", infra.Sandbox.AppSettings.Keys);

        var dedicated = infra.Dedicated.AppSettings;
        Assert.Equal("dotnet-isolated", dedicated["FUNCTIONS_WORKER_RUNTIME"]);
        Assert.Equal("~4", dedicated["FUNCTIONS_EXTENSION_VERSION"]);
        Assert.Equal("1", dedicated["WEBSITE_RUN_FROM_PACKAGE"]);
        Assert.DoesNotContain("WEBSITE_RUN_FROM_PACKAGE", infra.Sandbox.AppSettings.Keys);
        Assert.Equal("DOTNET-ISOLATED|10.0", (string?)infra.Dedicated.Site["properties"]!["siteConfig"]!["linuxFxVersion"]);
        Assert.Null(infra.Dedicated.Site["properties"]!["functionAppConfig"]);
    }

    [Fact]
    public void Storage_is_reached_with_the_apps_identity_and_no_connection_string()
    {
        var storage = infra.Sandbox.NameOf("Microsoft.Storage/storageAccounts");
        foreach (var snapshot in new[] { infra.Sandbox, infra.Dedicated })
        {
            var settings = snapshot.AppSettings;
            Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
            Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
            foreach (var service in new[] { "blob", "queue", "table" })
            {
                var uri = settings[$"AzureWebJobsStorage__{service}ServiceUri"];
                Assert.Contains($"'https://{{0}}.{service}.{{1}}', '{storage}'", uri, StringComparison.Ordinal);
            }

            Assert.DoesNotContain(settings, setting => setting.Value.Contains("AccountKey", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void Application_Insights_gets_its_connection_string_and_the_apps_identity()
    {
        var settings = infra.Sandbox.AppSettings;
        Assert.Contains("Microsoft.Insights/components", settings["APPLICATIONINSIGHTS_CONNECTION_STRING"], StringComparison.Ordinal);
        Assert.Contains(".ConnectionString", settings["APPLICATIONINSIGHTS_CONNECTION_STRING"], StringComparison.Ordinal);
        Assert.Equal("Authorization=AAD", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
    }

    [Fact]
    public void Without_a_Synthflow_key_the_app_runs_in_sandbox_mode_and_no_secret_is_created()
    {
        Assert.Equal("", infra.Sandbox.AppSettings["Synthflow__ApiKey"]);
        Assert.Equal("", infra.Sandbox.AppSettings["Synthflow__WebhookSecret"]);
        Assert.Empty(infra.Sandbox.OfType("Microsoft.KeyVault/vaults/secrets"));
    }

    [Fact]
    public void The_Synthflow_secrets_are_Key_Vault_references_and_never_plain_text()
    {
        foreach (var snapshot in new[] { infra.Live, infra.Dedicated })
        {
            var settings = snapshot.AppSettings;
            Assert.Contains(KeyVaultReference, settings["Synthflow__ApiKey"], StringComparison.Ordinal);
            Assert.Contains(KeyVaultReference, settings["Synthflow__WebhookSecret"], StringComparison.Ordinal);
            foreach (var (name, value) in settings)
            {
                Assert.DoesNotContain(InfraDeployments.ApiKey, value, StringComparison.Ordinal);
                Assert.DoesNotContain(InfraDeployments.WebhookSecret, value, StringComparison.Ordinal);
                Assert.True(!value.Contains("synthflowApiKey", StringComparison.Ordinal) && !value.Contains("synthflowWebhookSecret", StringComparison.Ordinal), $"{name} reads a secret parameter: {value}");
            }

            var vault = snapshot.NameOf("Microsoft.KeyVault/vaults");
            var secrets = snapshot.OfType("Microsoft.KeyVault/vaults/secrets").Select(secret => (string)secret["name"]!).Order(StringComparer.Ordinal);
            Assert.Equal(new[] { $"{vault}/Synthflow--ApiKey", $"{vault}/Synthflow--WebhookSecret" }, secrets);
            Assert.DoesNotContain(InfraDeployments.ApiKey, snapshot.Outputs.ToJsonString(DeploymentSnapshot.Verbatim), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_secret_parameters_are_secure_and_empty_by_default()
    {
        var parameters = infra.Template["parameters"]!;
        foreach (var name in new[] { "synthflowApiKey", "synthflowWebhookSecret" })
        {
            Assert.Equal("securestring", (string?)parameters[name]!["type"]);
            Assert.Equal("", (string?)parameters[name]!["defaultValue"]);
        }

        // The modules (app settings, role assignments) receive secret URIs only: the template tests the secrets for emptiness, no more.
        var modules = infra.Template["resources"]!.AsArray().Where(resource => (string?)resource!["type"] == "Microsoft.Resources/deployments").ToList();
        Assert.NotEmpty(modules);
        var moduleParameters = string.Concat(modules.Select(module => module!["properties"]!["parameters"]!.ToJsonString(DeploymentSnapshot.Verbatim)));
        foreach (var name in new[] { "synthflowApiKey", "synthflowWebhookSecret" })
        {
            var read = $"parameters('{name}')";
            Assert.Contains($"empty({read})", moduleParameters, StringComparison.Ordinal);
            Assert.DoesNotContain(read, moduleParameters.Replace($"empty({read})", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }
}
