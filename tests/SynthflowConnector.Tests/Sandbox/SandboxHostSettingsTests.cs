using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Hosting;
using SynthflowConnector.Sandbox;

namespace SynthflowConnector.Tests.Sandbox;

/// <summary>Sandbox mode's settings: the <c>Sandbox</c> section's knobs and the webhook secret.</summary>
public sealed class SandboxHostSettingsTests
{
    [Fact]
    public async Task The_sandbox_section_sets_every_knob_and_the_configured_secret_is_used()
    {
        await using var host = Host(new()
        {
            ["Sandbox:CallDuration"] = "2.5",
            ["Sandbox:CallsPerSecond"] = "20",
            ["Sandbox:MaxConcurrentCalls"] = "50",
            ["Sandbox:WebhookDelay"] = "00:00:05",
            ["Sandbox:DropWebhooks"] = "true",
            ["Sandbox:WebhookDropRate"] = "0.25",
            ["Sandbox:DuplicateWebhooks"] = "True",
            ["Synthflow:WebhookSecret"] = "configured-secret",
        });

        Assert.Equal(TimeSpan.FromSeconds(2.5), host.Sandbox.CallDuration);
        Assert.Equal(20, host.Sandbox.CallsPerSecond);
        Assert.Equal(50, host.Sandbox.MaxConcurrentCalls);
        Assert.Equal(TimeSpan.FromSeconds(5), host.Sandbox.Webhooks.Delay);
        Assert.True(host.Sandbox.Webhooks.DropAll);
        Assert.Equal(0.25, host.Sandbox.Webhooks.DropRate);
        Assert.True(host.Sandbox.Webhooks.DuplicateAll);
        Assert.Equal("configured-secret", host.WebhookSecret);
    }

    [Fact]
    public async Task Without_settings_the_defaults_hold_and_each_host_generates_its_own_secret()
    {
        await using var one = Host([]);
        await using var other = Host(new() { ["Synthflow:WebhookSecret"] = "" });

        Assert.Equal(TimeSpan.FromSeconds(3), one.Sandbox.CallDuration);
        Assert.Null(one.Sandbox.CallsPerSecond);
        Assert.Null(one.Sandbox.MaxConcurrentCalls);
        Assert.Equal(TimeSpan.Zero, one.Sandbox.Webhooks.Delay);
        Assert.False(one.Sandbox.Webhooks.DropAll);
        Assert.False(one.Sandbox.Webhooks.DuplicateAll);
        Assert.Equal(32, Convert.FromBase64String(one.WebhookSecret).Length);
        Assert.Equal(32, Convert.FromBase64String(other.WebhookSecret).Length);
        Assert.NotEqual(one.WebhookSecret, other.WebhookSecret);
    }

    [Theory]
    [InlineData("CallDuration", "0")]
    [InlineData("CallDuration", "soon")]
    [InlineData("CallsPerSecond", "0")]
    [InlineData("MaxConcurrentCalls", "many")]
    [InlineData("WebhookDelay", "-1")]
    [InlineData("DropWebhooks", "yes")]
    [InlineData("WebhookDropRate", "1.5")]
    public void A_bad_value_stops_the_start_naming_the_setting(string key, string value)
    {
        var exception = Assert.Throws<InvalidOperationException>(() => Host(new() { ["Sandbox:" + key] = value }));

        Assert.Contains("Sandbox__" + key, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hosts_secret_signs_the_webhooks_of_calls_placed_through_it()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-02T10:00:00Z", CultureInfo.InvariantCulture));
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var host = Host([], time);
        await host.StartAsync(CancellationToken.None);
        var endpoint = await host.GetEndpointAsync(CancellationToken.None);
        using var client = new HttpClient { BaseAddress = endpoint.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", host.Sandbox.ApiKey);

        var answer = await SandboxHttp.SendAsync(client, HttpMethod.Post, "calls", $$"""{"model_id":"{{SandboxSeed.SalesEastModelId}}","phone":"+16175550190","name":"Ada","external_webhook_url":"{{receiver.Url}}"}""");
        var callId = answer.Json.GetProperty("response").GetProperty("call_id").GetString()!;
        time.Advance(TimeSpan.FromSeconds(3));
        await receiver.WhenReceivedAsync(1);

        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(host.WebhookSecret), Encoding.UTF8.GetBytes(callId)));
        Assert.Equal(expected, Assert.Single(receiver.Received).Signature);
    }

    private static SandboxHost Host(Dictionary<string, string?> settings, TimeProvider? time = null) =>
        new(NullLogger<SandboxHost>.Instance, time ?? TimeProvider.System, new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
}
