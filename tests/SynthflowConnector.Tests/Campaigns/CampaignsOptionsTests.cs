using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Moq;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Hooks;
using SynthflowConnector.Tests.Hooks.Core;

namespace SynthflowConnector.Tests.Campaigns;

public sealed class CampaignsOptionsTests
{
    [Fact]
    public void Defaults_are_the_documented_ones_and_valid()
    {
        var options = Resolve([]);

        Assert.Equal("*/10 * * * * *", options.DispatchSchedule);
        Assert.False(options.SuppressOnOptOut);
        Assert.Equal(100, options.DispatchBatchSize);
        Assert.Equal(16, options.MaxParallelDials);
        Assert.Equal(TimeSpan.FromMinutes(2), options.ResumeAfter);
        Assert.Equal(TimeSpan.FromHours(2), options.CallEndTimeout);
        Assert.Equal(TimeSpan.FromSeconds(9), options.DispatchBudget(new DateTimeOffset(2025, 6, 1, 12, 0, 3, TimeSpan.Zero)));
    }

    [Fact]
    public void Settings_bind_from_the_Campaigns_section()
    {
        var options = Resolve(new() { ["Campaigns:DispatchSchedule"] = "0 * * * * *", ["Campaigns:SuppressOnOptOut"] = "true" });

        Assert.Equal("0 * * * * *", options.DispatchSchedule);
        Assert.True(options.SuppressOnOptOut);
        Assert.Equal(TimeSpan.FromSeconds(54), options.DispatchBudget(new DateTimeOffset(2025, 6, 1, 12, 0, 3, TimeSpan.Zero)));
    }

    [Theory]
    [InlineData("DispatchSchedule", "*/10 * * * *")]
    [InlineData("DispatchBatchSize", "0")]
    [InlineData("MaxParallelDials", "65")]
    [InlineData("ResumeAfter", "00:00:05")]
    [InlineData("CallEndTimeout", "00:01:00")]
    [InlineData("NotPlacedRetryDelay", "00:00:00")]
    public void A_bad_setting_is_named_as_Campaigns__Setting(string setting, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new() { [$"Campaigns:{setting}"] = value }));

        Assert.Contains($"Campaigns__{setting}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_campaign_services_resolve_with_a_singleton_zone_resolver_and_the_call_ended_observer()
    {
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddLogging()
            .AddSingleton<SynthflowConnector.Synthflow.ISynthflowClient>(new FakeSynthflowCalls())
            .AddSingleton<IHookSubscriptionStore>(new InMemorySubscriptionStore())
            .AddSingleton<ICallEventStore>(new InMemoryCallEventStore())
            .AddSingleton<IPlacedCallStore>(new InMemoryPlacedCallStore())
            .AddSingleton<IDeliveryFailureStore>(new InMemoryFailureStore())
            .AddSingleton<IHookQueues>(new InMemoryHookQueues())
            .AddSingleton<ICallbackSender>(new Hooks.Core.HttpCallbackSender(new HttpClient()))
            .AddSingleton<IWebhookSecretSource>(new FixedSecret("s"))
            .AddSingleton(Mock.Of<SynthflowConnector.Calls.ICallerIdStore>())
            .AddSingleton<SynthflowConnector.Calls.ICallLedger>(new Tests.Calls.InMemoryCallLedger())
            .AddSingleton(Mock.Of<SynthflowConnector.Pools.IPoolStore>())
            .AddSingleton<ICampaignStore>(new InMemoryCampaignStore())
            .AddSingleton<ISuppressionStore>(new InMemorySuppressionStore())
            .AddConnectorCore()
            .AddConnectorHooks()
            .AddConnectorCampaigns()
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.Same(services.GetRequiredService<RecipientTimeZoneResolver>(), services.GetRequiredService<RecipientTimeZoneResolver>());
        Assert.NotNull(services.GetRequiredService<CampaignService>());
        Assert.NotNull(services.GetRequiredService<SuppressionService>());
        Assert.NotNull(services.GetRequiredService<CampaignDispatcher>());
        Assert.Contains(services.GetServices<ICallEndedObserver>(), o => o is CampaignCallEndedObserver);
        Assert.NotNull(services.GetRequiredService<CallbackDelivery>());
    }

    private static CampaignsOptions Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddConnectorCampaigns().BuildServiceProvider();
        return services.GetRequiredService<IOptions<CampaignsOptions>>().Value;
    }
}
