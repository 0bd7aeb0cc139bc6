using SynthflowConnector.Hooks;

namespace SynthflowConnector.Tests.Hooks.Core;

/// <summary>
/// The subscription cache of the fan-out and the deliveries: one list read per duration, this process's writes seen at
/// once, another instance's within the duration, an unknown subscription always looked up (never a lost delivery).
/// </summary>
public sealed class HookSubscriptionCacheTests : IDisposable
{
    private readonly RecordingSender _sender;
    private readonly HookRig _rig;

    public HookSubscriptionCacheTests()
    {
        _sender = new RecordingSender();
        _rig = new HookRig(sender: _sender);
    }

    public void Dispose() => _rig.Dispose();

    private static HookSubscription Subscription(string id, DateTimeOffset at) => new()
    {
        Id = id, Event = HookEvents.CallEnded, CallbackUrl = new Uri($"https://flows.example/{id}"), CreatedAt = at,
    };

    [Fact]
    public async Task The_list_is_read_once_per_duration_and_again_after_it()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/a"));
        var cache = _rig.SubscriptionCache;

        for (var i = 0; i < 5; i++)
        {
            Assert.Single(await cache.ListAsync(HookEvents.CallEnded, CancellationToken.None));
        }

        Assert.Equal(1, _rig.Subscriptions.Lists);
        _rig.Clock.Advance(_rig.Settings.SubscriptionCacheDuration - TimeSpan.FromMilliseconds(1));
        await cache.ListAsync(HookEvents.CallEnded, CancellationToken.None);
        Assert.Equal(1, _rig.Subscriptions.Lists);
        _rig.Clock.Advance(TimeSpan.FromMilliseconds(1));
        await cache.ListAsync(HookEvents.CallEnded, CancellationToken.None);
        Assert.Equal(2, _rig.Subscriptions.Lists);
        Assert.Empty(await cache.ListAsync(HookEvents.CampaignCompleted, CancellationToken.None));
        Assert.Equal(3, _rig.Subscriptions.Lists);
    }

    [Fact]
    public async Task A_duration_of_zero_reads_the_store_every_time()
    {
        _rig.Settings.SubscriptionCacheDuration = TimeSpan.Zero;
        var subscription = await _rig.SubscribeAsync(new Uri("https://flows.example/a"));

        await _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None);
        await _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None);
        Assert.Equal(subscription, await _rig.SubscriptionCache.FindAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None));

        Assert.Equal(2, _rig.Subscriptions.Lists);
        Assert.Equal(1, _rig.Subscriptions.Gets);
    }

    [Fact]
    public async Task Subscribe_and_unsubscribe_in_this_process_are_seen_at_once()
    {
        var first = await _rig.SubscribeAsync(new Uri("https://flows.example/a"));
        Assert.Single(await _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None));

        var second = await _rig.SubscribeAsync(new Uri("https://flows.example/b"));
        Assert.Equal(new[] { first.Id, second.Id }.Order(), (await _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None)).Select(s => s.Id).Order());

        Assert.True(await _rig.SubscriptionService.UnsubscribeAsync(HookEvents.CallEnded, first.Id, CancellationToken.None));
        Assert.Equal([second.Id], (await _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None)).Select(s => s.Id));
        Assert.Null(await _rig.SubscriptionCache.FindAsync(HookEvents.CallEnded, first.Id, CancellationToken.None));
    }

    [Fact]
    public async Task A_subscription_the_cache_does_not_know_is_looked_up_in_the_store()
    {
        await _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None);

        // Created by another instance: this process's cached list does not have it yet.
        var elsewhere = Subscription("made-elsewhere", _rig.Clock.GetUtcNow());
        await _rig.Subscriptions.AddAsync(elsewhere, CancellationToken.None);

        Assert.Equal(elsewhere, await _rig.SubscriptionCache.FindAsync(HookEvents.CallEnded, elsewhere.Id, CancellationToken.None));
        Assert.Equal(1, _rig.Subscriptions.Gets);
        Assert.Null(await _rig.SubscriptionCache.FindAsync(HookEvents.CallEnded, "never-made", CancellationToken.None));
        Assert.Equal(1, _rig.Subscriptions.Lists);
    }

    [Fact]
    public async Task An_unsubscribe_by_another_instance_is_seen_within_the_duration()
    {
        var subscription = await _rig.SubscribeAsync(new Uri("https://flows.example/a"));
        Assert.NotNull(await _rig.SubscriptionCache.FindAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None));

        // Deleted straight in the store, as another instance does: this process may use it until the duration is over.
        await _rig.Subscriptions.DeleteAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None);
        Assert.NotNull(await _rig.SubscriptionCache.FindAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None));
        _rig.Clock.Advance(_rig.Settings.SubscriptionCacheDuration);

        Assert.Null(await _rig.SubscriptionCache.FindAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None));
    }

    [Fact]
    public async Task A_read_in_flight_when_an_unsubscribe_lands_is_not_kept()
    {
        var subscription = await _rig.SubscribeAsync(new Uri("https://flows.example/a"));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _rig.Subscriptions.ListGate = gate.Task;

        var inFlight = _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None);
        _rig.Subscriptions.ListGate = null;
        Assert.True(await _rig.SubscriptionService.UnsubscribeAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None));
        gate.SetResult();

        Assert.Single(await inFlight); // began before the unsubscribe: may still see it
        Assert.Empty(await _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None));
        Assert.Equal(2, _rig.Subscriptions.Lists);
    }

    [Fact]
    public async Task A_failed_read_reaches_its_callers_and_is_not_kept()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/a"));
        _rig.Subscriptions.ListFault = new StoreUnavailableException("Table storage is unreachable.", 503);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None));
        _rig.Subscriptions.ListFault = null;

        Assert.Single(await _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None));
        Assert.Equal(2, _rig.Subscriptions.Lists);
    }

    [Fact]
    public async Task Concurrent_readers_share_one_read_and_each_stops_waiting_on_its_own_token()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/a"));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _rig.Subscriptions.ListGate = gate.Task;
        using var cancelled = new CancellationTokenSource();

        var first = _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None);
        var second = _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, cancelled.Token);
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        gate.SetResult();

        Assert.Single(await first);
        Assert.Equal(1, _rig.Subscriptions.Lists);
    }

    [Fact]
    public async Task Fan_out_after_an_unsubscribe_in_this_process_delivers_nothing_to_it()
    {
        var kept = await _rig.SubscribeAsync(new Uri("https://flows.example/kept"));
        var dropped = await _rig.SubscribeAsync(new Uri("https://flows.example/dropped"));
        await _rig.SubscriptionCache.ListAsync(HookEvents.CallEnded, CancellationToken.None);
        await _rig.SubscriptionService.UnsubscribeAsync(HookEvents.CallEnded, dropped.Id, CancellationToken.None);
        await _rig.AcceptDocumentedAsync();

        await _rig.FanOut.HandleAsync(Assert.Single(_rig.Queues.Events), CancellationToken.None);

        Assert.Equal(kept.CallbackUrl, Assert.Single(_sender.Posts).Url);
        Assert.Empty(_rig.Queues.Deliveries);
    }

    [Fact]
    public async Task Fan_outs_within_the_duration_read_the_list_once()
    {
        await _rig.SubscribeAsync(new Uri("https://flows.example/a"));
        for (var i = 0; i < 3; i++)
        {
            var callId = $"call-{i}";
            Assert.Equal(WebhookIntakeStatus.Accepted, (await _rig.ReceiveAsync(HookRig.DocumentedWebhook(callId: callId), callId)).Status);
        }

        while (_rig.Queues.Events.TryDequeue(out var message))
        {
            await _rig.FanOut.HandleAsync(message, CancellationToken.None);
        }

        Assert.Equal(3, _sender.Posts.Count);
        Assert.Equal(1, _rig.Subscriptions.Lists);
    }
}
