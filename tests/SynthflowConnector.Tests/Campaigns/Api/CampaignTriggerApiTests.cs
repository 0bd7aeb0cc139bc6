using System.Net;
using System.Text.Json;
using SynthflowConnector.Http;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Tests.Campaigns.Api.CampaignApi;

namespace SynthflowConnector.Tests.Campaigns.Api;

/// <summary>"When a campaign completes": the subscription API on the real Host, on the call-ended trigger's mechanism.</summary>
[Collection("Azurite")]
public sealed class CampaignTriggerApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string FlowCallback = "https://prod-07.westeurope.logic.azure.com/workflows/9c2d/triggers/manual/paths/invoke?api-version=2016-06-01&sig=campaign-s3cr3t";
    private static readonly Uri Hooks = new("/api/hooks/campaign-completed", UriKind.Relative);

    private ConnectorHostHarness _host = null!;

    public async Task InitializeAsync() => _host = await StartAsync(azurite);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Subscribe_answers_201_with_the_Location_to_delete_and_the_delete_is_idempotent()
    {
        using var created = await _host.Client.PostAsync(Hooks, Json(new { callbackUrl = FlowCallback, modelId = SalesEast }));

        var subscription = await JsonAsync(created, HttpStatusCode.Created);
        var id = subscription.GetProperty("subscriptionId").GetString()!;
        Assert.Equal(new Uri(_host.Client.BaseAddress!, $"/api/hooks/campaign-completed/{id}"), created.Headers.Location);
        Assert.Equal("campaign-completed", subscription.GetProperty("event").GetString());
        Assert.Equal(SalesEast, subscription.GetProperty("modelId").GetString());
        Assert.DoesNotContain("sig=", subscription.GetRawText(), StringComparison.Ordinal);

        // The same subscriptions as the call-ended trigger, under their own event: not listed there.
        var callEnded = await HttpAssert.OkAsync<CallEndedSubscriptionList>(await _host.Client.GetAsync(new Uri("/api/hooks/call-ended", UriKind.Relative)));
        Assert.DoesNotContain(callEnded.Subscriptions, s => s.SubscriptionId == id);
        var notThere = await HttpAssert.OkAsync<CallEndedUnsubscribeResult>(await _host.Client.DeleteAsync(new Uri($"/api/hooks/call-ended/{id}", UriKind.Relative)));
        Assert.False(notThere.Deleted);

        var deleted = await HttpAssert.OkAsync<CallEndedUnsubscribeResult>(await _host.Client.DeleteAsync(created.Headers.Location));
        Assert.True(deleted.Deleted);
        var again = await HttpAssert.OkAsync<CallEndedUnsubscribeResult>(await _host.Client.DeleteAsync(created.Headers.Location));
        Assert.False(again.Deleted);
    }

    [Theory]
    [InlineData("""{"modelId":"m"}""", "callbackUrl")]
    [InlineData("""{"callbackUrl":"http://flows.example.com/hook"}""", "callbackUrl")]
    [InlineData("""{"callbackUrl":"https://169.254.169.254/latest"}""", "callbackUrl")]
    [InlineData("""{"callbackUrl":"https://flows.example.com/hook","modelId":"../x"}""", "modelId")]
    public async Task Bad_subscriptions_are_400_naming_the_field(string body, string field)
    {
        await HttpAssert.ProblemAsync(await _host.Client.PostAsync(Hooks, HttpAssert.Raw(body)), HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task The_trigger_routes_need_the_function_key_and_a_malformed_id_is_400()
    {
        await HttpAssert.ProblemAsync(await _host.Anonymous.PostAsync(Hooks, Json(new { callbackUrl = FlowCallback })), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await _host.Anonymous.DeleteAsync(new Uri("/api/hooks/campaign-completed/abc", UriKind.Relative)), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await _host.Client.DeleteAsync(new Uri("/api/hooks/campaign-completed/a%20b", UriKind.Relative)), HttpStatusCode.BadRequest, "subscriptionId");
        var body = JsonDocument.Parse(await (await _host.Client.DeleteAsync(new Uri("/api/hooks/campaign-completed/no-such-subscription", UriKind.Relative))).Content.ReadAsStringAsync());
        Assert.False(body.RootElement.GetProperty("deleted").GetBoolean());
    }
}
