using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using SynthflowConnector.Functions.Tests.Infrastructure;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Sandbox.SandboxSeed;

namespace SynthflowConnector.Functions.Tests;

/// <summary>The campaign, suppression and campaign-completed functions and the DispatchCampaigns timer, invoked in-process in the worker's real composition.</summary>
[Collection("Azurite")]
public sealed class CampaignFunctionsTests(AzuriteFixture azurite)
{
    private static readonly Dictionary<string, string?> Settings = new() { ["Reconcile:Enabled"] = "false", ["Campaigns:DispatchEnabled"] = "false" };

    [Fact]
    public async Task A_campaign_is_created_read_paged_paused_and_canceled_through_the_functions()
    {
        await using var worker = await WorkerApp.StartAsync(azurite, Settings);
        var body = $$"""{"modelId":"{{SalesEastModelId}}","name":"Functions","recipients":[{"phone":"+12125550180","name":"A"},{"phone":"+12125550181","name":"B"},{"phone":"+12125550182","name":"C"}]}""";

        var (create, created) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest("POST", "/api/campaigns", body, new Dictionary<string, string> { ["Idempotency-Key"] = "run-fn-1" }));
        Assert.Equal("CreateCampaign", create.Name);
        Assert.True(created.Status == 201, created.ToString());
        var id = Exchange.Parse(created).GetProperty("campaignId").GetString();
        Assert.Equal($"http://localhost:7071/api/campaigns/{id}", created.Header("Location"));

        var (_, replayed) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest("POST", "/api/campaigns", body, new Dictionary<string, string> { ["Idempotency-Key"] = "run-fn-1" }));
        Assert.Equal(201, replayed.Status);
        Assert.True(Exchange.Parse(replayed).GetProperty("idempotentReplay").GetBoolean());

        var (_, page) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest("GET", $"/api/campaigns/{id}/recipients?pageSize=2"));
        Assert.Equal(200, page.Status);
        Assert.Equal(2, Exchange.Parse(page).GetProperty("value").GetArrayLength());
        Assert.StartsWith($"http://localhost:7071/api/campaigns/{id}/recipients?pageSize=2&continuationToken=", Exchange.Parse(page).GetProperty("nextLink").GetString(), StringComparison.Ordinal);

        foreach (var (verb, state) in new[] { ("pause", "paused"), ("resume", "running"), ("cancel", "canceled") })
        {
            var (_, answer) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest("POST", $"/api/campaigns/{id}/{verb}"));
            Assert.True(answer.Status == 200, answer.ToString());
            Assert.Equal(state, Exchange.Parse(answer).GetProperty("state").GetString());
        }

        var (_, listed) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest("GET", "/api/campaigns"));
        Assert.Contains(Exchange.Parse(listed).GetProperty("campaigns").EnumerateArray(), c => c.GetProperty("campaignId").GetString() == id);
    }

    [Theory]
    [InlineData("POST", "/api/campaigns", """{"modelId":"m","name":"x","recipients":[]}""", 400)]
    [InlineData("GET", "/api/campaigns/bad!id", null, 400)]
    [InlineData("GET", "/api/campaigns/x/recipients?state=asleep", null, 400)]
    [InlineData("POST", "/api/campaigns/bad!id/pause", null, 400)]
    [InlineData("POST", "/api/campaigns/bad!id/resume", null, 400)]
    [InlineData("POST", "/api/campaigns/bad!id/cancel", null, 400)]
    [InlineData("PUT", "/api/suppressions/12", null, 400)]
    [InlineData("GET", "/api/suppressions/12", null, 400)]
    [InlineData("DELETE", "/api/suppressions/12", null, 400)]
    [InlineData("POST", "/api/suppressions", """{"numbers":[{"phone":"12"}]}""", 400)]
    [InlineData("POST", "/api/hooks/campaign-completed", """{"callbackUrl":"not a url"}""", 400)]
    [InlineData("DELETE", "/api/hooks/campaign-completed/bad!id", null, 400)]
    [InlineData("DELETE", "/api/hooks/campaign-completed/no-such-subscription", null, 200)]
    public async Task Each_function_refuses_bad_input_as_the_Host_does(string method, string path, string? body, int status)
    {
        await using var worker = await WorkerApp.StartAsync(azurite, Settings);

        var (_, answer) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest(method, path, body));

        Assert.True(answer.Status == status, answer.ToString());
        if (status == 400)
        {
            Assert.Equal("application/problem+json; charset=utf-8", answer.Header("Content-Type"));
        }
    }

    [Fact]
    public async Task Suppressions_are_added_read_listed_and_removed_through_the_functions()
    {
        await using var worker = await WorkerApp.StartAsync(azurite, Settings);

        var (_, put) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest("PUT", "/api/suppressions/447911123456", """{"reason":"asked"}"""));
        var (_, bulk) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest("POST", "/api/suppressions", """{"numbers":[{"phone":"+447911123457"},{"phone":"+447911123458","reason":"complaint"}]}"""));
        var (_, get) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest("GET", "/api/suppressions/447911123458"));
        var (_, list) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest("GET", "/api/suppressions"));
        var (_, delete) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest("DELETE", "/api/suppressions/447911123456"));

        Assert.Equal("+447911123456", Exchange.Parse(put).GetProperty("phone").GetString());
        Assert.Equal(2, Exchange.Parse(bulk).GetProperty("added").GetInt32());
        Assert.Equal("complaint", Exchange.Parse(get).GetProperty("reason").GetString());
        Assert.Equal(3, Exchange.Parse(list).GetProperty("suppressions").GetArrayLength());
        Assert.True(Exchange.Parse(delete).GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public async Task DispatchCampaigns_runs_the_dispatcher_which_dials_a_due_recipient()
    {
        await using var worker = await WorkerApp.StartAsync(azurite, new Dictionary<string, string?> { ["Reconcile:Enabled"] = "false" });
        var body = $$$"""{"modelId":"{{{SalesEastModelId}}}","name":"Timer","recipients":[{"phone":"+447911123459","name":"Alan","leadTimezone":"UTC"}],"callingHours":{"start":"00:00","end":"23:59","days":["mon","tue","wed","thu","fri","sat","sun"]}}""";
        var (_, created) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest("POST", "/api/campaigns", body));
        Assert.True(created.Status == 201, created.ToString());

        await RunTimerAsync(worker);

        Assert.Equal(1, worker.Sandbox.CountRequests("POST", "/v2/calls"));
    }

    private static async Task RunTimerAsync(WorkerApp worker)
    {
        var timer = Assert.Single(WorkerFunctions.All, function => function.Name == "DispatchCampaigns");
        Assert.Equal("%Campaigns__DispatchSchedule%", timer.Schedule);
        await using var scope = worker.Services.CreateAsyncScope();
        var instance = ActivatorUtilities.CreateInstance(scope.ServiceProvider, timer.Method.DeclaringType!);
        var info = new TimerInfo { IsPastDue = false, ScheduleStatus = new ScheduleStatus { Last = DateTime.UtcNow.AddSeconds(-10), Next = DateTime.UtcNow.AddSeconds(10) } };
        await (Task)timer.Method.Invoke(instance, [info, CancellationToken.None])!;
    }
}
