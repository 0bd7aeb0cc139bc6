namespace SynthflowConnector.Tests.Infra;

/// <summary>What the "When a call ends" trigger needs from infra/: the sweep timer's setting, the queues by identity, the webhook secret.</summary>
[Collection(InfraFixtureGroup.Name)]
public sealed class InfraHooksTests(InfraDeployments infra)
{
    private const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";

    [Fact]
    public void The_sweep_timer_finds_its_schedule_setting_on_either_plan()
    {
        // The Functions host resolves %Hooks__SweepSchedule% itself: without the app setting the timer does not start.
        foreach (var snapshot in new[] { infra.Sandbox, infra.Live, infra.Dedicated })
        {
            Assert.Equal("0 */1 * * * *", snapshot.AppSettings["Hooks__SweepSchedule"]);
            Assert.Equal("true", snapshot.AppSettings["Hooks__SweepEnabled"]);
        }
    }

    [Fact]
    public void The_queues_are_reached_by_the_apps_identity_with_the_queue_data_role()
    {
        var storage = (string)infra.Live.Only("Microsoft.Storage/storageAccounts")["id"]!;
        Assert.Contains(infra.Live.RoleAssignments, assignment => assignment.Role == StorageQueueDataContributor && assignment.Scope == storage);
        Assert.Equal("managedidentity", infra.Live.AppSettings["AzureWebJobsStorage__credential"]);
        Assert.Contains(".queue.", infra.Live.AppSettings["AzureWebJobsStorage__queueServiceUri"], StringComparison.Ordinal);
    }

    [Fact]
    public void The_receiver_uses_the_apps_own_host_name_unless_a_public_base_URL_is_given()
    {
        // Empty: the app reads WEBSITE_HOSTNAME, which App Service sets; the setting exists so it can be changed in place.
        Assert.Equal(string.Empty, infra.Live.AppSettings["Connector__PublicBaseUrl"]);
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", infra.Live.AppSettings["Synthflow__WebhookSecret"], StringComparison.Ordinal);
    }
}
