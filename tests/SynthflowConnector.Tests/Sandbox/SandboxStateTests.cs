using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Sandbox;

/// <summary>Seeding and inspection API, the server itself, and state under concurrent requests.</summary>
public sealed class SandboxStateTests
{
    [Fact]
    public void The_demo_workspace_is_seeded_with_fixed_ids()
    {
        var sandbox = new SynthflowSandbox();

        Assert.Equal("demo-workspace", sandbox.Workspace);
        Assert.StartsWith("sandbox-", sandbox.ApiKey, StringComparison.Ordinal);
        Assert.NotEqual(sandbox.ApiKey, new SynthflowSandbox().ApiKey);
        Assert.Equal(14, SandboxSeed.Numbers.Count);
        Assert.Single(SandboxSeed.Numbers, n => n.Sid is null);
        Assert.All(SandboxSeed.Numbers.Where(n => n.Sid is not null), n => Assert.Matches("^PN[0-9a-f]{32}$", n.Sid));
        var salesEast = sandbox.GetAgent(SandboxSeed.SalesEastModelId)!;
        Assert.Equal(SandboxSeed.SalesEastName, salesEast.Name);
        Assert.True(salesEast.IsOutbound);
        Assert.Equal([SandboxSeed.NewYork1, SandboxSeed.NewYork2, SandboxSeed.NewYork3], salesEast.AttachedPhoneNumbers!.Select(n => n.Number));
        Assert.Equal(["12125550101", "12125550102", "16465550103"], salesEast.AttachedPhoneNumbers!.Select(n => n.Slug));
        var frontDesk = sandbox.GetAgent(SandboxSeed.FrontDeskModelId)!;
        Assert.Equal(AgentTypes.Inbound, frontDesk.Type);
        Assert.Equal(SandboxSeed.SanFrancisco2, frontDesk.PhoneNumber);
        Assert.Empty(sandbox.GetAgent(SandboxSeed.AppointmentRemindersModelId)!.AttachedPhoneNumbers!);
        Assert.Null(sandbox.GetAgent("no-such-agent"));
        Assert.Empty(sandbox.Calls);
        Assert.Equal(AttachSemantics.Add, sandbox.AttachSemantics);
        Assert.Equal(TimeSpan.Zero, sandbox.Latency);
    }

    [Fact]
    public async Task An_unseeded_sandbox_starts_empty_and_serves_what_is_added()
    {
        var sandbox = new SynthflowSandbox(new SandboxOptions { Seed = false, Workspace = "ws-1" });
        await using var http = await SandboxHttp.StartAsync(sandbox);
        var empty = await http.GetAsync("assistants/");

        sandbox.AddNumber("+14155550150", "PN" + new string('a', 32));
        sandbox.AddNumber("+14155550151");
        sandbox.AddAgent("agent-1", "Agent One", AgentTypes.Outbound, ["+14155550150", "+14155550151"]);
        var agent = await http.GetAsync("assistants/agent-1");
        var numbers = await http.GetAsync("numbers?workspace=ws-1");

        Assert.Equal(0, empty.Json.GetProperty("response").GetProperty("assistants").GetArrayLength());
        Assert.Equal(
            ["+14155550150", "+14155550151"],
            agent.Json.GetProperty("response").GetProperty("assistants")[0].GetProperty("attached_phone_numbers").EnumerateArray().Select(n => n.GetProperty("number").GetString()));
        Assert.Equal(2, numbers.Json.GetProperty("response").GetProperty("phone_numbers").GetArrayLength());
    }

    [Fact]
    public void Seeding_refuses_what_Synthflow_could_not_hold()
    {
        var sandbox = new SynthflowSandbox(new SandboxOptions { Seed = false });
        sandbox.AddNumber("+14155550150");

        Assert.Throws<ArgumentException>(() => sandbox.AddNumber("4155550150"));
        Assert.Throws<InvalidOperationException>(() => sandbox.AddNumber("+14155550150"));
        Assert.Throws<ArgumentException>(() => sandbox.AddAgent("a", "A", "robot"));
        Assert.Throws<ArgumentException>(() => sandbox.AddAgent("a", "A", AgentTypes.Outbound, ["+14155550199"]));
        Assert.Throws<ArgumentException>(() => sandbox.AddAgent("a", "A", AgentTypes.Inbound, ["+14155550150"]));
        sandbox.AddAgent("a", "A", AgentTypes.Outbound);
        Assert.Throws<InvalidOperationException>(() => sandbox.AddAgent("a", "A again", AgentTypes.Outbound));
        Assert.Throws<ArgumentOutOfRangeException>(() => sandbox.Latency = TimeSpan.FromSeconds(-1));
    }

    [Fact]
    public async Task The_server_listens_on_loopback_under_v2_with_a_trailing_slash()
    {
        await using var server = await SandboxServer.StartAsync(new SynthflowSandbox());

        Assert.Equal("127.0.0.1", server.BaseAddress.Host);
        Assert.NotEqual(0, server.BaseAddress.Port);
        Assert.Equal("/v2/", server.BaseAddress.AbsolutePath);
        Assert.Equal(new Uri(server.BaseAddress, "/v2/assistants/x"), new Uri(server.BaseAddress, "assistants/x"));
    }

    [Fact]
    public async Task MapSynthflowSandbox_serves_under_any_prefix_in_a_host_app()
    {
        var sandbox = new SynthflowSandbox();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection([new(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0")]);
        await using var app = builder.Build();
        app.MapSynthflowSandbox(sandbox, "/fake-synthflow/v2/");
        app.MapGet("/other", () => "not the sandbox");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        using var client = new HttpClient { BaseAddress = new Uri(address + "/fake-synthflow/v2/") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", sandbox.ApiKey);

        var answer = await SandboxHttp.SendAsync(client, HttpMethod.Get, "assistants/");
        using var other = await client.GetAsync(new Uri("/other", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal("not the sandbox", await other.Content.ReadAsStringAsync());
        Assert.Equal("/fake-synthflow/v2/assistants/", Assert.Single(sandbox.Requests).Path);
        await app.StopAsync();
    }

    [Fact]
    public async Task Concurrent_attaches_and_calls_leave_consistent_state()
    {
        await using var http = await SandboxHttp.StartAsync();
        var unattached = new[] { SandboxSeed.LosAngeles1, SandboxSeed.Chicago2, SandboxSeed.Austin1, SandboxSeed.Miami1, SandboxSeed.London1, SandboxSeed.Berlin1 };

        var attaches = unattached.Select(number => http.SendAsync(
            HttpMethod.Put, $"assistants/{SandboxSeed.AppointmentRemindersModelId}/phone_numbers", $$"""{"phone_numbers":["{{number}}"]}"""));
        var calls = Enumerable.Range(0, 24).Select(i => SandboxCallsTests.PlaceAsync(
            http, $$"""{"model_id":"{{SandboxSeed.SalesEastModelId}}","phone":"+1617555{{i:D4}}","name":"Lead {{i}}"}"""));
        var answers = await Task.WhenAll(attaches.Concat(calls));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(
            unattached.Order(StringComparer.Ordinal),
            http.Sandbox.GetAgent(SandboxSeed.AppointmentRemindersModelId)!.AttachedPhoneNumbers!.Select(n => n.Number).Order(StringComparer.Ordinal));
        Assert.Equal(24, http.Sandbox.Calls.Select(c => c.CallId).Distinct().Count());
        Assert.Equal(30, http.Sandbox.Requests.Count);
    }
}
