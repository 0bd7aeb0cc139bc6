using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Hooks.Storage;

/// <summary>The callback sender as registered, against a real Kestrel receiver on loopback.</summary>
public sealed class HttpCallbackSenderTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"callId\":\"c1\",\"status\":\"completed\"}");

    private readonly ConcurrentQueue<(string Path, string? ContentType, string? Signature, string Body)> _received = new();
    private readonly TaskCompletionSource _slowArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication _receiver = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection([new(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0")]);
        _receiver = builder.Build();
        _receiver.MapPost("/ok", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            _received.Enqueue((request.Path + request.QueryString, request.ContentType, request.Headers["Synthflow-Signature"], await reader.ReadToEndAsync()));
            return Results.Accepted();
        });
        _receiver.MapPost("/fail", () => Results.StatusCode(500));
        _receiver.MapPost("/moved", () => Results.Redirect("/ok"));
        _receiver.MapPost("/slow", async (HttpContext context) =>
        {
            _slowArrived.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        await _receiver.StartAsync();
        _address = new Uri(_receiver.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
    }

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private static (ServiceProvider Services, ICallbackSender Sender, CapturingLoggerProvider Logs) Sender(bool sandbox)
    {
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().Build())
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        services.AddOptions<SynthflowOptions>().Configure(options => options.ApiKey = sandbox ? null : "live-key");
        var provider = services.AddHookAdapters().BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        return (provider, provider.GetRequiredService<ICallbackSender>(), logs);
    }

    [Fact]
    public async Task A_2xx_is_success_with_the_json_body_and_headers_and_logs_name_the_host_only()
    {
        var (services, sender, logs) = Sender(sandbox: true);
        await using var _ = services;

        var result = await sender.PostAsync(
            new Uri(_address, "/ok?sig=SECRET-SIGNATURE"),
            Body,
            new Dictionary<string, string> { ["Synthflow-Signature"] = "abc=" },
            CancellationToken.None);

        Assert.Equal(new CallbackResult(202), result);
        Assert.True(result.Succeeded);
        var received = Assert.Single(_received);
        Assert.Equal("/ok?sig=SECRET-SIGNATURE", received.Path);
        Assert.Equal("application/json", received.ContentType);
        Assert.Equal("abc=", received.Signature);
        Assert.Equal(Encoding.UTF8.GetString(Body), received.Body);
        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, line => line.Contains("SECRET", StringComparison.Ordinal) || line.Contains("/ok", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_500_and_a_redirect_come_back_as_their_status()
    {
        var (services, sender, _) = Sender(sandbox: true);
        await using var _ = services;

        var failed = await sender.PostAsync(new Uri(_address, "/fail"), Body, null, CancellationToken.None);
        var moved = await sender.PostAsync(new Uri(_address, "/moved"), Body, null, CancellationToken.None);

        Assert.Equal(500, failed.StatusCode);
        Assert.False(failed.Succeeded);
        Assert.Equal(302, moved.StatusCode);
        Assert.Empty(_received);
    }

    [Fact]
    public async Task The_callers_timeout_is_a_result_without_status()
    {
        var (services, sender, _) = Sender(sandbox: true);
        await using var _ = services;
        using var timeout = new CancellationTokenSource();

        var posting = sender.PostAsync(new Uri(_address, "/slow"), Body, null, timeout.Token);
        await _slowArrived.Task.WaitAsync(Patience);
        await timeout.CancelAsync();
        var result = await posting.WaitAsync(Patience);

        Assert.Null(result.StatusCode);
        Assert.Contains("timeout", result.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Nothing_listening_is_a_result_without_status()
    {
        var (services, sender, _) = Sender(sandbox: true);
        await using var _ = services;

        var result = await sender.PostAsync(new Uri($"http://127.0.0.1:{LoopbackPorts.Free()}/x"), Body, null, CancellationToken.None);

        Assert.Null(result.StatusCode);
        Assert.False(string.IsNullOrEmpty(result.Error));
    }

    [Theory]
    [InlineData("http://127.0.0.1:{port}/ok", "loopback")]
    [InlineData("http://localhost:{port}/ok", "loopback")]
    [InlineData("http://10.1.2.3/ok", "private")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("http://[::ffff:192.168.1.1]/ok", "private")]
    public async Task In_live_mode_unsafe_addresses_are_refused_at_connect_time(string url, string kind)
    {
        var (services, sender, _) = Sender(sandbox: false);
        await using var _ = services;

        var result = await sender.PostAsync(new Uri(url.Replace("{port}", _address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)), Body, null, CancellationToken.None);

        Assert.Null(result.StatusCode);
        Assert.Contains(kind, result.Error, StringComparison.Ordinal);
        Assert.Empty(_received);
    }

    [Theory]
    [InlineData("127.0.0.1", true, null)]
    [InlineData("127.0.0.1", false, "loopback")]
    [InlineData("::1", false, "loopback")]
    [InlineData("10.0.0.1", true, "private")]
    [InlineData("172.16.0.1", true, "private")]
    [InlineData("172.32.0.1", true, null)]
    [InlineData("192.168.0.1", true, "private")]
    [InlineData("100.64.0.1", true, "shared (carrier-grade NAT)")]
    [InlineData("169.254.169.254", true, "link-local (cloud metadata)")]
    [InlineData("0.0.0.0", true, "unspecified")]
    [InlineData("224.0.0.1", true, "multicast or reserved")]
    [InlineData("8.8.8.8", false, null)]
    [InlineData("fd00:ec2::254", true, "private (unique local)")]
    [InlineData("fe80::1", true, "link-local")]
    [InlineData("ff02::1", true, "multicast")]
    [InlineData("::", true, "unspecified")]
    [InlineData("::ffff:10.0.0.1", true, "private")]
    [InlineData("64:ff9b::a9fe:a9fe", true, "link-local (cloud metadata)")]
    [InlineData("2002:0a00:0001::1", true, "private")]
    [InlineData("2606:4700::1111", false, null)]
    public void The_address_guard_knows_the_ranges(string address, bool allowLoopback, string? refused)
    {
        Assert.Equal(refused, CallbackAddressGuard.Check(IPAddress.Parse(address), allowLoopback));
    }
}
