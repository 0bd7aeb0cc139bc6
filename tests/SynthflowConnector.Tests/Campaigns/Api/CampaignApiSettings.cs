using System.Net;
using System.Text.Json;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Campaigns.Api;

/// <summary>Settings and helpers of the campaign API tests on the real Host.</summary>
internal static class CampaignApi
{
    public const string SalesEast = global::SynthflowConnector.Sandbox.SandboxSeed.SalesEastModelId;

    public static readonly Uri CampaignsUri = new("/api/campaigns", UriKind.Relative);
    public static readonly Uri SuppressionsUri = new("/api/suppressions", UriKind.Relative);

    /// <summary>The dispatcher runs on wall-clock time in the Host: off, so a test sees campaigns exactly as created.</summary>
    public static Dictionary<string, string?> Settings() => new()
    {
        ["Campaigns:DispatchEnabled"] = "false",
        ["Hooks:SweepEnabled"] = "false",
    };

    public static Task<ConnectorHostHarness> StartAsync(AzuriteFixture azurite) => ConnectorHostHarness.StartAsync(azurite, settings: Settings());

    /// <summary>Recipients in New York, Los Angeles and London (their zones come from their numbers or lead time zones).</summary>
    public static object[] Recipients(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new { phone = $"+1212555{i:D4}", name = $"Person {i}", customVariables = new Dictionary<string, object> { ["row"] = i } })];

    public static object Body(int recipients = 3, string name = "Spring renewals") => new
    {
        modelId = SalesEast,
        name,
        recipients = Recipients(recipients),
        callingHours = new { start = "09:00", end = "20:00", days = new[] { "mon", "tue", "wed", "thu", "fri" } },
        retry = new { maxAttempts = 2, minSpacing = "PT30M", on = new[] { "no-answer", "busy" } },
    };

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<int> CountCampaignsAsync(HttpClient client) =>
        (await JsonAsync(await client.GetAsync(CampaignsUri), HttpStatusCode.OK)).GetProperty("campaigns").GetArrayLength();

    public static HttpContent Json(object body) => HttpAssert.Json(body);
}
