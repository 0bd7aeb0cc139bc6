using System.Text.RegularExpressions;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Tests.Hooks.Core;

public sealed class HookSubscriptionServiceTests : IDisposable
{
    private readonly HookRig _rig = new(sandbox: false);

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task Subscribe_stores_an_unguessable_id_and_normalised_filters()
    {
        var subscription = await _rig.SubscriptionService.SubscribeAsync(
            HookEvents.CallEnded,
            new SubscribeCommand(new Uri("https://prod.westus.logic.azure.com/workflows/1/triggers/manual?sig=abc"), " agent-1 ", ["Completed", " busy", "completed", ""]),
            CancellationToken.None);

        Assert.Matches(new Regex("^[0-9a-f]{32}$"), subscription.Id);
        Assert.Equal("agent-1", subscription.ModelId);
        Assert.Equal(["completed", "busy"], subscription.Statuses);
        Assert.Equal(_rig.Clock.GetUtcNow(), subscription.CreatedAt);
        Assert.Equal(subscription, await _rig.Subscriptions.GetAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None));
        Assert.DoesNotContain(_rig.Logs.Lines, line => line.Contains("sig=abc", StringComparison.Ordinal) || line.Contains("/workflows", StringComparison.Ordinal));
        Assert.Contains(_rig.Logs.Lines, line => line.Contains("prod.westus.logic.azure.com", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ids_do_not_repeat()
    {
        var ids = new HashSet<string>();
        for (var i = 0; i < 200; i++)
        {
            Assert.True(ids.Add((await _rig.SubscribeAsync(new Uri("https://flows.example/x"))).Id));
        }
    }

    [Fact]
    public async Task Empty_filters_mean_everything()
    {
        var subscription = await _rig.SubscriptionService.SubscribeAsync(
            HookEvents.CallEnded, new SubscribeCommand(new Uri("https://flows.example/x"), " ", []), CancellationToken.None);

        Assert.Null(subscription.ModelId);
        Assert.Null(subscription.Statuses);
    }

    [Fact]
    public async Task Unsubscribe_removes_and_says_whether_there_was_anything()
    {
        var subscription = await _rig.SubscribeAsync(new Uri("https://flows.example/x"));

        Assert.True(await _rig.SubscriptionService.UnsubscribeAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None));
        Assert.False(await _rig.SubscriptionService.UnsubscribeAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None));
        Assert.Empty(await _rig.SubscriptionService.ListAsync(HookEvents.CallEnded, CancellationToken.None));
    }

    [Fact]
    public async Task A_refused_callback_url_is_not_stored()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _rig.SubscribeAsync(new Uri("http://127.0.0.1:8080/x")));

        Assert.Empty(await _rig.SubscriptionService.ListAsync(HookEvents.CallEnded, CancellationToken.None));
    }

    [Fact]
    public async Task Failures_are_listed_newest_first_within_bounds()
    {
        for (var i = 0; i < 3; i++)
        {
            await _rig.Failures.AddAsync(
                new DeliveryFailure
                {
                    Id = $"f{i}", Reason = "HTTP 400", FailedAt = _rig.Clock.GetUtcNow().AddMinutes(i),
                    Delivery = new DeliveryMessage { CallId = "c", Status = "completed", SubscriptionId = "s", FirstQueuedAt = _rig.Clock.GetUtcNow() },
                },
                CancellationToken.None);
        }

        var listed = await _rig.SubscriptionService.ListFailuresAsync(2, CancellationToken.None);

        Assert.Equal(["f2", "f1"], listed.Select(f => f.Id));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _rig.SubscriptionService.ListFailuresAsync(0, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => _rig.SubscriptionService.ListFailuresAsync(HookSubscriptionService.MaxFailures + 1, CancellationToken.None));
    }
}
