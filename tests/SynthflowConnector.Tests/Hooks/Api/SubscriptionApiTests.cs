using System.Net;
using System.Text.Json;
using SynthflowConnector.Http;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Hooks.Api;

/// <summary>
/// The trigger's subscription API on the real Host over HTTP (live mode: callbacks must be https and public). The
/// Azurite collection runs one test at a time but shares the hook tables, so the assertions look at their own ids.
/// </summary>
[Collection("Azurite")]
public sealed class SubscriptionApiTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string FlowCallback = "https://prod-12.westeurope.logic.azure.com/workflows/0a1b/triggers/manual/paths/invoke?api-version=2016-06-01&sig=s3cr3t-signature";
    private const string SalesEast = global::SynthflowConnector.Sandbox.SandboxSeed.SalesEastModelId;
    private static readonly Uri Hooks = new("/api/hooks/call-ended", UriKind.Relative);

    private ConnectorHostHarness _host = null!;

    public async Task InitializeAsync() => _host = await ConnectorHostHarness.StartAsync(azurite, settings: HookSettings.Unique());

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Subscribe_answers_201_with_the_Location_to_delete_and_list_shows_it_without_the_signature()
    {
        using var created = await _host.Client.PostAsync(Hooks, HttpAssert.Json(new { callbackUrl = FlowCallback, modelId = "sales-east", statuses = new[] { "completed", "NO-ANSWER", "completed" } }));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var subscription = JsonSerializer.Deserialize<CallEndedSubscription>(await created.Content.ReadAsStringAsync(), JsonSerializerOptions.Web)!;
        Assert.True(subscription.SubscriptionId.Length >= 22, "at least 128 random bits, URL-safe");
        Assert.Equal(new Uri(_host.Client.BaseAddress!, $"/api/hooks/call-ended/{subscription.SubscriptionId}"), created.Headers.Location);
        Assert.Equal("call-ended", subscription.Event);
        Assert.Equal("sales-east", subscription.ModelId);
        Assert.Equal(["completed", "no-answer"], subscription.Statuses);
        Assert.DoesNotContain("sig=", await created.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var listed = await HttpAssert.OkAsync<CallEndedSubscriptionList>(await _host.Client.GetAsync(Hooks));
        var only = Assert.Single(listed.Subscriptions, s => s.SubscriptionId == subscription.SubscriptionId);
        Assert.Equal(subscription.SubscriptionId, only.SubscriptionId);
        Assert.Equal("https://prod-12.westeurope.logic.azure.com/workflows/0a1b/triggers/manual/paths/invoke", only.CallbackUrl);

        // Power Platform DELETEs the Location when the flow is deleted, and retries deletes: both answer 200.
        var deleted = await HttpAssert.OkAsync<CallEndedUnsubscribeResult>(await _host.Client.DeleteAsync(created.Headers.Location));
        Assert.True(deleted.Deleted);
        var again = await HttpAssert.OkAsync<CallEndedUnsubscribeResult>(await _host.Client.DeleteAsync(created.Headers.Location));
        Assert.False(again.Deleted);
        Assert.DoesNotContain((await HttpAssert.OkAsync<CallEndedSubscriptionList>(await _host.Client.GetAsync(Hooks))).Subscriptions, s => s.SubscriptionId == subscription.SubscriptionId);
    }

    public static TheoryData<string, string> BadSubscriptions => new()
    {
        { """{"modelId":"sales-east"}""", "callbackUrl" },
        { """{"callbackUrl":"not a url"}""", "callbackUrl" },
        { """{"callbackUrl":"http://flows.example.com/hook"}""", "callbackUrl" },
        { """{"callbackUrl":"https://127.0.0.1/hook"}""", "callbackUrl" },
        { """{"callbackUrl":"https://10.1.2.3/hook"}""", "callbackUrl" },
        { """{"callbackUrl":"https://169.254.169.254/latest/meta-data"}""", "callbackUrl" },
        { """{"callbackUrl":"https://localhost/hook"}""", "callbackUrl" },
        { """{"callbackUrl":"https://[::1]/hook"}""", "callbackUrl" },
        { """{"callbackUrl":"https://flows.example.com/hook","modelId":"../etc"}""", "modelId" },
        { """{"callbackUrl":"https://flows.example.com/hook","statuses":["completed","in-progress"]}""", "statuses[1]" },
        { """{"callbackUrl":"https://flows.example.com/hook","statuses":"completed"}""", "statuses" },
    };

    [Theory]
    [MemberData(nameof(BadSubscriptions))]
    public async Task Bad_input_is_400_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        var before = await CountAsync();

        await HttpAssert.ProblemAsync(await _host.Client.PostAsync(Hooks, HttpAssert.Raw(body)), HttpStatusCode.BadRequest, field);

        Assert.Equal(before, await CountAsync());
    }

    private async Task<int> CountAsync() =>
        (await HttpAssert.OkAsync<CallEndedSubscriptionList>(await _host.Client.GetAsync(Hooks))).Subscriptions.Count;

    [Fact]
    public async Task Every_subscription_route_needs_the_function_key()
    {
        var before = await CountAsync();
        await HttpAssert.ProblemAsync(await _host.Anonymous.PostAsync(Hooks, HttpAssert.Json(new { callbackUrl = FlowCallback })), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await _host.Anonymous.GetAsync(Hooks), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await _host.Anonymous.GetAsync(new Uri("/api/hooks/call-ended/failures", UriKind.Relative)), HttpStatusCode.Unauthorized);
        await HttpAssert.ProblemAsync(await _host.Anonymous.DeleteAsync(new Uri("/api/hooks/call-ended/abc", UriKind.Relative)), HttpStatusCode.Unauthorized);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task The_failures_list_answers_newest_first_at_most_100()
    {
        var failures = await HttpAssert.OkAsync<CallEndedDeliveryFailureList>(await _host.Client.GetAsync(new Uri("/api/hooks/call-ended/failures", UriKind.Relative)));

        Assert.True(failures.Failures.Count <= HookEndpoints.MaxFailuresListed);
        Assert.Equal(failures.Failures.OrderByDescending(f => f.FailedAt).Select(f => f.FailureId), failures.Failures.Select(f => f.FailureId));
    }

    [Fact]
    public async Task A_malformed_subscription_id_is_400_and_an_unknown_one_200()
    {
        await HttpAssert.ProblemAsync(await _host.Client.DeleteAsync(new Uri("/api/hooks/call-ended/a%20b", UriKind.Relative)), HttpStatusCode.BadRequest, "subscriptionId");
        var unknown = await HttpAssert.OkAsync<CallEndedUnsubscribeResult>(await _host.Client.DeleteAsync(new Uri("/api/hooks/call-ended/no-such-subscription", UriKind.Relative)));
        Assert.False(unknown.Deleted);
    }

    [Fact]
    public async Task Make_a_call_refuses_an_unsafe_webhookUrl_naming_it_and_places_nothing()
    {
        var body = $$"""{"modelId":"{{SalesEast}}","phone":"+14155550123","name":"Ada","webhookUrl":"http://192.168.0.10/hook"}""";

        await HttpAssert.ProblemAsync(await _host.Client.PostAsync(new Uri("/api/calls", UriKind.Relative), HttpAssert.Raw(body)), HttpStatusCode.BadRequest, "webhookUrl");
        Assert.Equal(0, _host.Sandbox.CountRequests("POST", "/v2/calls"));
    }
}
