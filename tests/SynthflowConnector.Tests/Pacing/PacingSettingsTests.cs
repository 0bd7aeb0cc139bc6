using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Pacing;

/// <summary>The limits' one rule (live defaults, the sandbox's own limits, explicit settings) and the settings' validation.</summary>
public sealed class PacingSettingsTests
{
    private static async Task<PacingLimits> ResolveAsync(params (string Key, string? Value)[] settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
        // The composition root: in sandbox mode it hands the simulator's own limits to the pacer.
        await using var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration).AddSynthflowConnector(configuration).BuildServiceProvider();
        return services.GetRequiredService<PacingLimits>();
    }

    [Fact]
    public async Task Live_mode_defaults_to_pay_as_you_go_limits_and_a_20_second_wait()
    {
        var limits = await ResolveAsync(("Synthflow:ApiKey", "live-key"));

        Assert.Equal((1d, 5), (limits.CallsPerSecond, limits.MaxConcurrentCalls));
        Assert.Equal(TimeSpan.FromSeconds(20), limits.MaxWait);
        Assert.Equal(TimeSpan.FromMinutes(2), limits.LiveCallCheckAfter);
        Assert.Equal(TimeSpan.FromSeconds(1.02), limits.Spacing);
        Assert.True(limits.IsPaced);
    }

    [Fact]
    public async Task Sandbox_mode_without_limits_is_unpaced()
    {
        var limits = await ResolveAsync();

        Assert.False(limits.IsPaced);
        Assert.Equal((null, null), (limits.CallsPerSecond, limits.MaxConcurrentCalls));
    }

    [Fact]
    public async Task Sandbox_mode_takes_the_sandboxs_limits_and_explicit_settings_win()
    {
        Assert.Equal((20d, 50), Pair(await ResolveAsync(("Sandbox:CallsPerSecond", "20"), ("Sandbox:MaxConcurrentCalls", "50"))));
        Assert.Equal((20d, null), Pair(await ResolveAsync(("Sandbox:CallsPerSecond", "20"))));
        Assert.Equal((4d, 3), Pair(await ResolveAsync(("Sandbox:CallsPerSecond", "20"), ("Synthflow:CallsPerSecond", "4"), ("Synthflow:MaxConcurrentCalls", "3"))));
        Assert.Equal((2.5d, 7), Pair(await ResolveAsync(("Synthflow:ApiKey", "live-key"), ("Synthflow:CallsPerSecond", "2.5"), ("Synthflow:MaxConcurrentCalls", "7"), ("Sandbox:CallsPerSecond", "20"))));
    }

    [Fact]
    public async Task Zero_means_no_limit_in_either_mode()
    {
        Assert.False((await ResolveAsync(("Synthflow:ApiKey", "enterprise-key"), ("Synthflow:CallsPerSecond", "0"), ("Synthflow:MaxConcurrentCalls", "0"))).IsPaced);
        Assert.Equal((null, 5), Pair(await ResolveAsync(("Synthflow:ApiKey", "live-key"), ("Synthflow:CallsPerSecond", "0"))));
        Assert.False((await ResolveAsync(("Sandbox:CallsPerSecond", "20"), ("Synthflow:CallsPerSecond", "0"))).IsPaced);
    }

    [Fact]
    public async Task A_bad_sandbox_limit_names_the_setting()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ResolveAsync(("Sandbox:MaxConcurrentCalls", "lots")));

        Assert.Contains("Sandbox__MaxConcurrentCalls", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Synthflow:CallsPerSecond", "0.001", "Synthflow__CallsPerSecond")]
    [InlineData("Synthflow:CallsPerSecond", "-1", "Synthflow__CallsPerSecond")]
    [InlineData("Synthflow:CallsPerSecond", "1001", "Synthflow__CallsPerSecond")]
    [InlineData("Synthflow:MaxConcurrentCalls", "-1", "Synthflow__MaxConcurrentCalls")]
    [InlineData("Synthflow:MaxConcurrentCalls", "1001", "Synthflow__MaxConcurrentCalls")]
    [InlineData("Synthflow:PacingMaxWait", "-00:00:01", "Synthflow__PacingMaxWait")]
    [InlineData("Synthflow:PacingMaxWait", "00:01:01", "Synthflow__PacingMaxWait")]
    [InlineData("Synthflow:LiveCallCheckAfter", "00:00:09", "Synthflow__LiveCallCheckAfter")]
    public void Out_of_range_settings_stop_the_start_naming_the_setting(string key, string value, string named)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddConnectorCore().BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<SynthflowOptions>>().Value);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    private static (double?, int?) Pair(PacingLimits limits) => (limits.CallsPerSecond, limits.MaxConcurrentCalls);
}
