using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Hooks;
using SynthflowConnector.Tests.Hooks.Core;

namespace SynthflowConnector.Tests.Campaigns;

/// <summary>The end of a campaign (one campaign-completed delivery, its body over a real socket) and opt-out suppression.</summary>
public sealed class CampaignCompletionTests : IDisposable
{
    private readonly CampaignRig _rig = new(new DateTimeOffset(2025, 6, 2, 13, 0, 0, TimeSpan.Zero));

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task Completion_queues_exactly_one_delivery_per_subscription_and_posts_the_campaign_with_its_counts()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        var mine = await Subscribe(receiver.Url("flows/mine"), CampaignRig.Agent);
        await Subscribe(receiver.Url("flows/other-agent"), "agent-2");
        await _rig.Subscriptions.AddAsync(
            new HookSubscription { Id = "call-ended-sub", Event = HookEvents.CallEnded, CallbackUrl = receiver.Url("flows/calls"), CreatedAt = _rig.Clock.GetUtcNow() },
            CancellationToken.None);
        await _rig.SuppressionService.AddAsync(CampaignRig.London, null, CancellationToken.None);
        var campaign = await _rig.CreateAsync(CampaignRig.Command(CampaignRig.NewYork, CampaignRig.London));

        await _rig.DispatchAsync();
        Assert.Empty(_rig.Queues.Deliveries);
        await _rig.EndCallsAsync(_ => "completed");
        await Task.WhenAll(_rig.DispatchAsync(), _rig.DispatchAsync());
        await _rig.DispatchAsync();

        var (delivery, delay) = Assert.Single(_rig.Queues.Deliveries);
        Assert.Equal((campaign.Id, mine.Id, TimeSpan.Zero), (delivery.CampaignId, delivery.SubscriptionId, delay));
        var stored = (await _rig.Service.GetAsync(campaign.Id, CancellationToken.None))!.Campaign;
        Assert.Equal((CampaignState.Completed, true, _rig.Clock.GetUtcNow()), (stored.State, stored.CompletionQueued, stored.CompletedAt));

        using var http = new HttpClient();
        var outcome = await Delivery(new Hooks.Core.HttpCallbackSender(http)).HandleAsync(delivery, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Delivered, outcome);
        var received = Assert.Single(receiver.Received);
        Assert.Equal("/flows/mine", received.PathAndQuery);
        var body = JsonNode.Parse(received.Body)!.AsObject();
        Assert.Equal(campaign.Id, (string?)body["campaignId"]);
        Assert.Equal("completed", (string?)body["state"]);
        Assert.Equal("Spring renewals", (string?)body["name"]);
        Assert.Equal(2, (int)body["counts"]!["total"]!);
        Assert.Equal(1, (int)body["counts"]!["byState"]!["done"]!);
        Assert.Equal(1, (int)body["counts"]!["byState"]!["skipped"]!);
        Assert.Equal(0, (int)body["counts"]!["byState"]!["waiting-retry"]!);
        Assert.Equal(1, (int)body["counts"]!["byOutcome"]!["completed"]!);
        Assert.True(body.ContainsKey("startAt") && body["startAt"] is null);
    }

    [Fact]
    public async Task A_completion_whose_deliveries_were_not_queued_is_queued_by_the_next_run()
    {
        await Subscribe(new Uri("https://flows.example/hook"), null);
        var campaign = await _rig.CreateAsync(CampaignRig.Command(CampaignRig.NewYork));
        await _rig.DispatchAsync();
        await _rig.EndCallsAsync(_ => "no-answer");
        _rig.Queues.Fault = new StoreUnavailableException("Queue storage is unreachable.", 503);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => _rig.DispatchAsync());
        _rig.Queues.Fault = null;
        Assert.Equal(CampaignState.Completed, (await _rig.Store.GetAsync(campaign.Id, CancellationToken.None))!.State);
        Assert.Empty(_rig.Queues.Deliveries);

        await _rig.DispatchAsync();
        Assert.Empty(_rig.Queues.Deliveries); // The completing run may still be queueing: the repair waits a minute.
        _rig.Clock.Advance(TimeSpan.FromMinutes(2));
        await _rig.DispatchAsync();
        await _rig.DispatchAsync();

        Assert.Equal(campaign.Id, Assert.Single(_rig.Queues.Deliveries).Message.CampaignId);
    }

    [Fact]
    public async Task A_subscription_gone_by_delivery_time_is_skipped()
    {
        var subscription = await Subscribe(new Uri("https://flows.example/hook"), null);
        var campaign = await _rig.CreateAsync(CampaignRig.Command(CampaignRig.NewYork));
        var message = new DeliveryMessage { CallId = campaign.Id, Status = "completed", CampaignId = campaign.Id, SubscriptionId = subscription.Id, FirstQueuedAt = _rig.Clock.GetUtcNow() };
        await _rig.Subscriptions.DeleteAsync(HookEvents.CampaignCompleted, subscription.Id, CancellationToken.None);

        Assert.Equal(DeliveryOutcome.Skipped, await Delivery(new Hooks.Core.HttpCallbackSender(new HttpClient())).HandleAsync(message, CancellationToken.None));
    }

    [Theory]
    [InlineData(true, """{"no_opt_out": false}""", true)]
    [InlineData(true, """{"opted_in": "false"}""", true)]
    [InlineData(true, """{"no_opt_out": true, "opted_in": true}""", false)]
    [InlineData(false, """{"no_opt_out": false}""", false)]
    public async Task An_opt_out_suppresses_the_number_only_when_the_setting_is_on(bool setting, string analysis, bool suppressed)
    {
        _rig.Settings.SuppressOnOptOut = setting;
        var campaign = await _rig.CreateAsync(CampaignRig.Command(CampaignRig.NewYork) with
        {
            Retry = new CampaignRetryInput(3, TimeSpan.FromHours(1), ["no-answer", "left_voicemail"]),
        });
        await _rig.DispatchAsync();

        await _rig.EndCallsAsync(_ => "left_voicemail", JsonNode.Parse(analysis)!.AsObject());

        var recipient = await _rig.RecipientAsync(campaign.Id, 0);
        Assert.Equal(suppressed, await _rig.Suppressions.GetAsync(CampaignRig.NewYork, CancellationToken.None) is not null);
        Assert.Equal(suppressed ? RecipientState.Done : RecipientState.WaitingRetry, recipient.State);
        Assert.Equal(suppressed ? SkippedReasons.OptedOut : null, recipient.SkippedReason);
        Assert.Equal("left_voicemail", recipient.LastStatus);
    }

    [Fact]
    public async Task A_repeated_or_foreign_call_end_changes_nothing()
    {
        var campaign = await _rig.CreateAsync(CampaignRig.Command(CampaignRig.NewYork));
        await _rig.DispatchAsync();
        var placed = Assert.Single(_rig.PlacedCalls.All);
        var ended = new CallEndedEvent { CallId = placed.CallId, Status = "busy", ReceivedAt = _rig.Clock.GetUtcNow() };

        await _rig.Observer.OnCallEndedAsync(ended, placed, CancellationToken.None);
        var once = await _rig.RecipientAsync(campaign.Id, 0);
        var writes = _rig.Store.RecipientWrites;
        await _rig.Observer.OnCallEndedAsync(ended, placed, CancellationToken.None);
        await _rig.Observer.OnCallEndedAsync(ended with { CallId = "other" }, placed with { CallId = "other", IdempotencyKey = "key-1" }, CancellationToken.None);
        await _rig.Observer.OnCallEndedAsync(ended, null, CancellationToken.None);

        Assert.Equal(writes, _rig.Store.RecipientWrites);
        Assert.Equal((RecipientState.Done, "busy"), (once.State, once.LastStatus));
    }

    private Task<HookSubscription> Subscribe(Uri callbackUrl, string? modelId) =>
        new HookSubscriptionService(_rig.Subscriptions, new InMemoryFailureStore(), Options.Create(new SynthflowConnector.Synthflow.SynthflowOptions()), _rig.Clock, NullLogger<HookSubscriptionService>.Instance)
            .SubscribeAsync(HookEvents.CampaignCompleted, new SubscribeCommand(callbackUrl, modelId, null), CancellationToken.None);

    private CallbackDelivery Delivery(ICallbackSender sender) => new(
        new InMemoryCallEventStore(), _rig.Subscriptions, _rig.Queues, new InMemoryFailureStore(), sender, new FixedSecret(null),
        Options.Create(new HooksOptions()), _rig.Clock, NullLogger<CallbackDelivery>.Instance, _rig.Completion);
}
