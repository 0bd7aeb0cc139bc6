using System.Globalization;
using System.Text.Json;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.ConnectorDefinition;

/// <summary>The campaign, suppression and "when a campaign completes" operations, as a flow author would use them.</summary>
public sealed partial class DefinitionDrivenHostTests
{
    private static readonly Dictionary<string, Func<DefinitionClient, ConnectorHostHarness, Task>> CampaignScenarios = new(StringComparer.Ordinal)
    {
        ["CreateCampaign"] = async (client, _) =>
        {
            var agent = await SalesEastAsync(client, "CreateCampaign");
            var inputs = CampaignInputs(agent, "Spring renewals");
            inputs["callerIdStrategy"] = Enum("CreateCampaign", "callerIdStrategy")[0];
            inputs["defaultTimezone"] = "America/New_York";
            inputs["Idempotency-Key"] = "campaign-run-" + Guid.NewGuid().ToString("N");
            var created = await client.OkAsync("CreateCampaign", inputs);
            Assert.Equal(2, created.GetProperty("counts").GetProperty("total").GetInt32());
            Assert.False(created.GetProperty("idempotentReplay").GetBoolean());

            var replay = await client.OkAsync("CreateCampaign", inputs);
            Assert.True(replay.GetProperty("idempotentReplay").GetBoolean());
            Assert.Equal(created.GetProperty("campaignId").GetString(), replay.GetProperty("campaignId").GetString());
        },
        ["GetCampaign"] = async (client, _) =>
        {
            var id = await CreateCampaignAsync(client);
            var campaign = await client.OkAsync("GetCampaign", new() { ["campaignId"] = id });
            Assert.Equal("Spring renewals", campaign.GetProperty("name").GetString());
        },
        ["ListCampaigns"] = async (client, _) =>
        {
            var id = await CreateCampaignAsync(client);
            var campaigns = await client.OkAsync("ListCampaigns");
            Assert.Contains(campaigns.GetProperty("campaigns").EnumerateArray(), c => c.GetProperty("campaignId").GetString() == id);
        },
        ["ListCampaignRecipients"] = async (client, _) =>
        {
            var id = await CreateCampaignAsync(client);
            var page = await client.OkAsync("ListCampaignRecipients", new() { ["campaignId"] = id, ["state"] = Enum("ListCampaignRecipients", "state")[0], ["pageSize"] = 1 });
            var recipient = Assert.Single(page.GetProperty("value").EnumerateArray());
            Assert.Equal("pending", recipient.GetProperty("state").GetString());
            Assert.False(string.IsNullOrEmpty(page.GetProperty("nextLink").GetString()));
        },
        ["PauseCampaign"] = async (client, _) =>
        {
            var id = await CreateCampaignAsync(client);
            var paused = await client.OkAsync("PauseCampaign", new() { ["campaignId"] = id });
            Assert.Equal("paused", paused.GetProperty("state").GetString());
        },
        ["ResumeCampaign"] = async (client, _) =>
        {
            var id = await CreateCampaignAsync(client);
            await client.OkAsync("PauseCampaign", new() { ["campaignId"] = id });
            var resumed = await client.OkAsync("ResumeCampaign", new() { ["campaignId"] = id });
            Assert.NotEqual("paused", resumed.GetProperty("state").GetString());
        },
        ["CancelCampaign"] = async (client, _) =>
        {
            var id = await CreateCampaignAsync(client);
            var canceled = await client.OkAsync("CancelCampaign", new() { ["campaignId"] = id });
            Assert.Equal("canceled", canceled.GetProperty("state").GetString());
        },
        ["SuppressNumber"] = async (client, _) =>
        {
            var phone = UniqueNumber();
            var suppressed = await client.OkAsync("SuppressNumber", new() { ["phone"] = phone, ["reason"] = "asked not to be called" });
            Assert.Equal(phone, suppressed.GetProperty("phone").GetString());
            Assert.Equal("asked not to be called", suppressed.GetProperty("reason").GetString());
        },
        ["SuppressNumbers"] = async (client, _) =>
        {
            var numbers = new[] { new Dictionary<string, object?> { ["phone"] = UniqueNumber(), ["reason"] = "complaint" }, new Dictionary<string, object?> { ["phone"] = UniqueNumber() } };
            var result = await client.OkAsync("SuppressNumbers", new() { ["numbers"] = numbers });
            Assert.Equal(2, result.GetProperty("added").GetInt32());
        },
        ["GetSuppression"] = async (client, _) =>
        {
            var phone = await SuppressAsync(client);
            var found = await client.OkAsync("GetSuppression", new() { ["phone"] = phone });
            Assert.Equal(phone, found.GetProperty("phone").GetString());
        },
        ["RemoveSuppression"] = async (client, _) =>
        {
            var phone = await SuppressAsync(client);
            Assert.True((await client.OkAsync("RemoveSuppression", new() { ["phone"] = phone })).GetProperty("deleted").GetBoolean());
            Assert.False((await client.OkAsync("RemoveSuppression", new() { ["phone"] = phone })).GetProperty("deleted").GetBoolean());
        },
        ["ListSuppressions"] = async (client, _) =>
        {
            var phone = await SuppressAsync(client);
            var listed = await client.OkAsync("ListSuppressions");
            Assert.Contains(listed.GetProperty("suppressions").EnumerateArray(), s => s.GetProperty("phone").GetString() == phone);
        },
        ["WhenCampaignCompletes"] = async (client, _) =>
        {
            var agent = await SalesEastAsync(client, "WhenCampaignCompletes");
            var subscription = await SubscribeToCampaignsAsync(client, agent);
            Assert.Equal(agent, subscription.GetProperty("modelId").GetString());
            Assert.Equal("campaign-completed", subscription.GetProperty("event").GetString());
        },
        ["DeleteCampaignCompletedSubscription"] = async (client, _) =>
        {
            var id = (await SubscribeToCampaignsAsync(client)).GetProperty("subscriptionId").GetString();
            Assert.True((await client.OkAsync("DeleteCampaignCompletedSubscription", new() { ["subscriptionId"] = id })).GetProperty("deleted").GetBoolean());
            Assert.False((await client.OkAsync("DeleteCampaignCompletedSubscription", new() { ["subscriptionId"] = id })).GetProperty("deleted").GetBoolean());
        },
    };

    /// <summary>
    /// Two recipients (one with its own zone and variables), weekday hours and retries, starting tomorrow: the Host's
    /// dispatcher, if it runs, dials nothing while the scenario looks.
    /// </summary>
    private static Dictionary<string, object?> CampaignInputs(string agent, string name) => new()
    {
        ["modelId"] = agent,
        ["name"] = name,
        ["recipients"] = new object[]
        {
            new Dictionary<string, object?> { ["phone"] = "+12125550142", ["name"] = "Ada Lovelace", ["customVariables"] = new Dictionary<string, string> { ["order"] = "A-17" }, ["leadTimezone"] = "America/New_York" },
            new Dictionary<string, object?> { ["phone"] = "+13105550143", ["name"] = "Grace Hopper" },
        },
        ["callingHours"] = new Dictionary<string, object?> { ["start"] = "09:00", ["end"] = "20:00", ["days"] = new[] { "mon", "tue", "wed", "thu", "fri" } },
        ["retry"] = new Dictionary<string, object?> { ["maxAttempts"] = 2, ["minSpacing"] = "PT30M", ["on"] = new[] { "no-answer", "busy" } },
        ["startAt"] = DateTimeOffset.UtcNow.AddDays(1).ToString("O", CultureInfo.InvariantCulture),
    };

    private static async Task<string> CreateCampaignAsync(DefinitionClient client)
    {
        var agent = await SalesEastAsync(client, "CreateCampaign");
        return (await client.OkAsync("CreateCampaign", CampaignInputs(agent, "Spring renewals"))).GetProperty("campaignId").GetString()!;
    }

    /// <summary>A fresh US number: the list answers the first 1,000 in E.164 order, and other tests add thousands of +44 numbers to the shared table.</summary>
    private static string UniqueNumber() => "+1646" + Random.Shared.Next(1_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);

    private static async Task<string> SuppressAsync(DefinitionClient client)
    {
        var phone = UniqueNumber();
        await client.OkAsync("SuppressNumber", new() { ["phone"] = phone });
        return phone;
    }

    /// <summary>Saves a flow with the campaign trigger: the callback is the flow's notification URL.</summary>
    private static Task<JsonElement> SubscribeToCampaignsAsync(DefinitionClient client, string? agent = null)
    {
        var inputs = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["callbackUrl"] = $"https://prod-12.westeurope.logic.azure.com/workflows/{Guid.NewGuid():N}/triggers/manual/paths/invoke?api-version=2016-06-01&sig=flow-signature",
        };
        if (agent is not null)
        {
            inputs["modelId"] = agent;
        }

        return client.OkAsync("WhenCampaignCompletes", inputs);
    }
}
