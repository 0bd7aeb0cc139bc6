using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;
using SynthflowConnector.Hooks;

namespace SynthflowConnector.Tests.Hooks.Core;

public sealed class HooksOptionsTests
{
    [Fact]
    public void Defaults_are_the_documented_ones_and_valid()
    {
        var options = Resolve([]);

        Assert.Equal(TimeSpan.FromSeconds(10), options.DeliveryTimeout);
        Assert.Equal(TimeSpan.FromSeconds(15), options.RetryBaseDelay);
        Assert.Equal(TimeSpan.FromHours(4), options.RetryMaxDelay);
        Assert.Equal(TimeSpan.FromHours(24), options.RetryWindow);
        Assert.Equal("0 */1 * * * *", options.SweepSchedule);
        Assert.Equal(TimeSpan.FromMinutes(2), options.SweepGrace);
        Assert.Equal(TimeSpan.FromHours(48), options.SweepLookback);
        Assert.True(options.SweepEnabled);
        Assert.Equal(TimeSpan.FromSeconds(5), options.SubscriptionCacheDuration);
    }

    [Fact]
    public void Settings_bind_from_the_Hooks_section()
    {
        var options = Resolve(new()
        {
            ["Hooks:DeliveryTimeout"] = "00:00:05",
            ["Hooks:RetryWindow"] = "2.00:00:00",
            ["Hooks:SweepSchedule"] = "30 */2 * * * *",
            ["Hooks:SweepEnabled"] = "false",
            ["Hooks:SubscriptionCacheDuration"] = "00:00:00",
        });

        Assert.Equal(TimeSpan.FromSeconds(5), options.DeliveryTimeout);
        Assert.Equal(TimeSpan.FromDays(2), options.RetryWindow);
        Assert.Equal("30 */2 * * * *", options.SweepSchedule);
        Assert.False(options.SweepEnabled);
        Assert.Equal(TimeSpan.Zero, options.SubscriptionCacheDuration);
    }

    [Theory]
    [InlineData("DeliveryTimeout", "00:00:00")]
    [InlineData("RetryBaseDelay", "00:00:00")]
    [InlineData("RetryMaxDelay", "8.00:00:00")]
    [InlineData("RetryMaxDelay", "00:00:05")] // shorter than the base delay
    [InlineData("RetryWindow", "00:00:10")]
    [InlineData("SweepSchedule", "every minute")]
    [InlineData("SweepSchedule", "*/5 * * * *")] // five fields: seconds are required
    [InlineData("SweepGrace", "-00:01:00")]
    [InlineData("SweepLookback", "00:01:00")]
    [InlineData("SubscriptionCacheDuration", "-00:00:01")]
    [InlineData("SubscriptionCacheDuration", "00:05:01")]
    public void A_bad_setting_is_named_as_Hooks__Setting(string setting, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new() { [$"Hooks:{setting}"] = value }));

        Assert.Contains($"Hooks__{setting}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 15)]
    [InlineData(2, 30)]
    [InlineData(3, 60)]
    [InlineData(11, 14_400)]
    [InlineData(500, 14_400)]
    public void Retry_delays_double_from_the_base_up_to_the_cap(int attempt, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), new HooksOptions().RetryDelay(attempt));

    [Fact]
    public void The_hook_services_resolve_from_core_and_their_ports()
    {
        var configuration = new ConfigurationBuilder().Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddLogging()
            .AddSingleton<SynthflowConnector.Synthflow.ISynthflowClient>(new FakeSynthflowCalls())
            .AddSingleton<IHookSubscriptionStore>(new InMemorySubscriptionStore())
            .AddSingleton<ICallEventStore>(new InMemoryCallEventStore())
            .AddSingleton<IPlacedCallStore>(new InMemoryPlacedCallStore())
            .AddSingleton<IDeliveryFailureStore>(new InMemoryFailureStore())
            .AddSingleton<IHookQueues>(new InMemoryHookQueues())
            .AddSingleton<ICallbackSender>(new HttpCallbackSender(new HttpClient()))
            .AddSingleton<IWebhookSecretSource>(new FixedSecret("s"))
            .AddSingleton(Mock.Of<SynthflowConnector.Calls.ICallerIdStore>())
            .AddSingleton<SynthflowConnector.Calls.ICallLedger>(new Tests.Calls.InMemoryCallLedger())
            .AddSingleton(Mock.Of<SynthflowConnector.Pools.IPoolStore>())
            .AddSingleton<IWebhookReceiverAddress>(new FixedReceiverAddress(null))
            .AddConnectorCore()
            .AddConnectorHooks()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.NotNull(services.GetRequiredService<CallEventIntake>());
        Assert.NotNull(services.GetRequiredService<CallEventFanOut>());
        Assert.NotNull(services.GetRequiredService<CallbackDelivery>());
        Assert.NotNull(services.GetRequiredService<CallEndSweep>());
        Assert.NotNull(services.GetRequiredService<HookSubscriptionService>());
        Assert.Same(services.GetRequiredService<HookSubscriptionCache>(), services.GetRequiredService<HookSubscriptionCache>());
        Assert.NotNull(services.GetRequiredService<SynthflowConnector.Calls.CallService>());
    }

    [Fact]
    public async Task The_resolved_services_share_the_one_subscription_cache()
    {
        var subscriptions = new InMemorySubscriptionStore();
        var events = new InMemoryCallEventStore();
        var queues = new InMemoryHookQueues();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddLogging()
            .AddSingleton<SynthflowConnector.Synthflow.ISynthflowClient>(new FakeSynthflowCalls())
            .AddSingleton<IHookSubscriptionStore>(subscriptions)
            .AddSingleton<ICallEventStore>(events)
            .AddSingleton<IPlacedCallStore>(new InMemoryPlacedCallStore())
            .AddSingleton<IDeliveryFailureStore>(new InMemoryFailureStore())
            .AddSingleton<IHookQueues>(queues)
            .AddSingleton<ICallbackSender>(new HttpCallbackSender(new HttpClient()))
            .AddSingleton<IWebhookSecretSource>(new FixedSecret("s"))
            .AddConnectorCore()
            .AddConnectorHooks()
            .BuildServiceProvider();
        var subscribe = new SubscribeCommand(new Uri("https://flows.example/a"), null, null);
        var first = await services.GetRequiredService<HookSubscriptionService>().SubscribeAsync(HookEvents.CallEnded, subscribe, CancellationToken.None);
        Assert.Single(await services.GetRequiredService<HookSubscriptionCache>().ListAsync(HookEvents.CallEnded, CancellationToken.None));

        // The service clears the cache the fan-out reads: a subscribe and an unsubscribe take effect at once.
        await services.GetRequiredService<HookSubscriptionService>().SubscribeAsync(HookEvents.CallEnded, subscribe, CancellationToken.None);
        await services.GetRequiredService<HookSubscriptionService>().UnsubscribeAsync(HookEvents.CallEnded, first.Id, CancellationToken.None);
        var callEnded = new CallEndedEvent { CallId = "c1", Status = "completed", ReceivedAt = DateTimeOffset.UnixEpoch, RecordingUrl = "r", FromPhoneNumber = "+15550100" };
        await events.TryAddAsync(new StoredCallEvent { Event = callEnded }, CancellationToken.None);
        await services.GetRequiredService<CallEventFanOut>().HandleAsync(new CallEventMessage("c1", "completed"), CancellationToken.None);

        Assert.NotEqual(first.Id, Assert.Single(queues.Deliveries).Message.SubscriptionId);

        // And the fan-out reads through it: a second event within the duration reads no list.
        await events.TryAddAsync(new StoredCallEvent { Event = callEnded with { CallId = "c2" } }, CancellationToken.None);
        await services.GetRequiredService<CallEventFanOut>().HandleAsync(new CallEventMessage("c2", "completed"), CancellationToken.None);
        Assert.Equal(2, queues.Deliveries.Count);
        Assert.Equal(2, subscriptions.Lists);
    }

    private static HooksOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddConnectorCore().BuildServiceProvider();
        return services.GetRequiredService<IOptions<HooksOptions>>().Value;
    }
}
