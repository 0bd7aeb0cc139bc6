using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Tests.Campaigns.Api;

/// <summary>The dispatch schedule's budget (just under the period, so runs never overlap) and its start-up validation.</summary>
public sealed class CampaignDispatchScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 9, 14, 0, 3, TimeSpan.Zero);

    [Theory]
    [InlineData("*/10 * * * * *", 9)]
    [InlineData("0 */1 * * * *", 54)]
    [InlineData("*/1 * * * * *", 1)]
    [InlineData("0 0 * * * *", 540)] // at most 9 minutes: under the Functions timeout
    public void The_budget_is_just_under_the_period(string schedule, int seconds)
    {
        var options = new CampaignsOptions { DispatchSchedule = schedule };

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.DispatchBudget(Now));
    }

    [Theory]
    [InlineData("*/10 * * * *")]
    [InlineData("every ten seconds")]
    [InlineData("")]
    public void A_bad_schedule_is_refused_at_start_naming_the_setting(string schedule)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Campaigns:DispatchSchedule"] = schedule }).Build();
        using var provider = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddConnectorCampaigns()
            .BuildServiceProvider();

        var exception = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<CampaignsOptions>>().Value);

        Assert.Contains("Campaigns__DispatchSchedule", exception.Message, StringComparison.Ordinal);
    }
}
