using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Synthflow;

public sealed class SynthflowOptionsTests
{
    [Theory]
    [InlineData("Synthflow:Region", "mars", "Synthflow__Region")]
    [InlineData("Synthflow:MaxRequestsPerSecond", "0", "Synthflow__MaxRequestsPerSecond")]
    [InlineData("Synthflow:Timeout", "00:00:00", "Synthflow__Timeout")]
    [InlineData("Synthflow:MaxRetries", "11", "Synthflow__MaxRetries")]
    [InlineData("Synthflow:ApiKey", " key-with-space ", "Synthflow__ApiKey")]
    public async Task The_app_refuses_to_start_with_a_bad_setting_and_names_it(string key, string value, string named)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.Services.AddSynthflowClient();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("key-with-space", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("global", "https://api.synthflow.ai/v2/")]
    [InlineData("US", "https://api.us.synthflow.ai/v2/")]
    [InlineData("eu", "https://api.eu.synthflow.ai/v2/")]
    public async Task A_live_key_goes_only_to_the_regions_fixed_host(string region, string expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Synthflow:ApiKey"] = "live-key",
            ["Synthflow:Region"] = region,
            // A base-URL setting does not exist: it must have no effect.
            ["Synthflow:BaseUrl"] = "https://attacker.example/",
        });
        builder.Services.AddSynthflowClient();
        using var host = builder.Build();

        var endpoint = await host.Services.GetRequiredService<ISynthflowEndpointProvider>().GetEndpointAsync(CancellationToken.None);

        Assert.Equal(new Uri(expected), endpoint.BaseAddress);
        Assert.False(endpoint.IsSandbox);
        Assert.DoesNotContain("live-key", endpoint.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_are_sensible()
    {
        var options = new SynthflowOptions();

        Assert.True(options.IsSandbox);
        Assert.Equal("global", options.Region);
        Assert.Equal(10, options.MaxRequestsPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Timeout);
        Assert.Equal(3, options.MaxRetries);
        Assert.True(new SynthflowOptionsValidator().Validate(null, options).Succeeded);
    }
}
