using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using SynthflowConnector.Calls;
using SynthflowConnector.Agents;
using SynthflowConnector.Http;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Http;

/// <summary>The Host as `./build.sh run` starts it: no Synthflow key, so the built-in sandbox stands in.</summary>
[Collection("Azurite")]
public sealed class SandboxModeTests(AzuriteFixture azurite)
{
    private sealed class SandboxModeFactory(string storage) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("urls", "http://127.0.0.1:0");
            builder.UseSetting("Synthflow:ApiKey", string.Empty);
            builder.UseSetting("Connector:ApiKey", ConnectorHostHarness.FunctionKey);
            builder.UseSetting("AzureWebJobsStorage", storage);
        }
    }

    [Fact]
    public async Task Without_a_Synthflow_key_the_seeded_sandbox_workspace_answers()
    {
        await using var factory = new SandboxModeFactory(azurite.ConnectionString);
        factory.UseKestrel();
        using var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("x-functions-key", ConnectorHostHarness.FunctionKey);

        var health = await HttpAssert.OkAsync<HealthReport>(await client.GetAsync(new Uri("/api/health", UriKind.Relative)));
        var agents = await HttpAssert.OkAsync<AgentList>(await client.GetAsync(new Uri("/api/agents?type=outbound", UriKind.Relative)));
        var numbers = await HttpAssert.OkAsync<WorkspacePhoneNumberList>(await client.GetAsync(new Uri("/api/phone-numbers", UriKind.Relative)));
        var placed = await HttpAssert.OkAsync<MakeCallResponse>(await client.PostAsync(
            new Uri("/api/calls", UriKind.Relative),
            HttpAssert.Json(new { modelId = SandboxSeed.SalesEastModelId, phone = "+12125550199", name = "Ada", callerIdStrategy = "local-presence" })));

        Assert.Equal("sandbox", health.Mode);
        Assert.Equal(4, agents.Agents.Count);
        Assert.Equal(SandboxSeed.Numbers.Count, numbers.PhoneNumbers.Count);
        Assert.StartsWith("+1212", placed.FromPhoneNumber, StringComparison.Ordinal);
    }
}
