using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Text.Json;
using Azure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Hooks;
using SynthflowConnector.Hosting;
using SynthflowConnector.Http;
using SynthflowConnector.Sandbox;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Hooks.Api;
using SynthflowConnector.Tests.Http;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Hooks.EndToEnd;

/// <summary>
/// One end-to-end setup: an Azurite of its own (the trigger's tables and queues have fixed names, so two tests on one
/// Azurite would see each other's subscriptions and messages), and the real Host in <b>sandbox mode</b> (no
/// <c>Synthflow__ApiKey</c>) on Kestrel, whose built-in simulator (<see cref="SandboxHost"/>) places the calls and POSTs
/// the signed webhooks to the Host's own receiver over loopback, exactly as <c>./build.sh run</c> does.
/// </summary>
/// <remarks>
/// Time: with <see cref="StartAsync"/>'s <c>fakeClock</c> the whole Host, the simulator included, runs on
/// <see cref="Clock"/>: calls end when the test advances it, and the sweep's grace is passed the same way. The queue
/// processors still work without advancing it: every immediate enqueue wakes them. Deliveries that wait in the queue
/// (a retry's backoff, a message's visibility timeout) are hidden by Azurite on its own wall clock, which no fake
/// clock reaches: those tests run the Host on the system clock and end calls by hand
/// (<see cref="SynthflowSandbox.SetCallStatus"/>) instead of waiting for a call duration.
/// </remarks>
internal sealed class EndToEndRig : IAsyncDisposable
{
    public const string SalesEast = SandboxSeed.SalesEastModelId;
    public const string SalesWest = SandboxSeed.SalesWestModelId;

    /// <summary>Long enough for a loaded 2-core machine; a hung test fails with a timeout, never waits forever.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly Uri Hooks = new("/api/hooks/call-ended", UriKind.Relative);
    private static readonly Uri Calls = new("/api/calls", UriKind.Relative);

    private bool _hostStopped;

    private EndToEndRig(AzuriteFixture azurite, ConnectorHostHarness host, FakeTimeProvider? clock)
    {
        Azurite = azurite;
        Host = host;
        Clock = clock;
    }

    public AzuriteFixture Azurite { get; }

    public ConnectorHostHarness Host { get; }

    /// <summary>The Host's and the simulator's clock; null when the Host runs on the system clock.</summary>
    public FakeTimeProvider? Clock { get; }

    /// <summary>The Host's built-in simulator (its knobs, calls and webhook attempts).</summary>
    public SynthflowSandbox Sandbox => Host.Services.GetRequiredService<SandboxHost>().Sandbox;

    /// <summary>The webhook secret the simulator signs with and the receiver checks (<c>Synthflow__WebhookSecret</c>).</summary>
    public static string Secret => HookSettings.WebhookSecret;

    public static async Task<EndToEndRig> StartAsync(bool fakeClock, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null)
    {
        var azurite = new AzuriteFixture();
        await azurite.InitializeAsync();
        try
        {
            // Starts at the real time: Azurite and the Azure SDK sign and stamp on the wall clock.
            var clock = fakeClock ? new FakeTimeProvider(DateTimeOffset.UtcNow) : null;
            var host = await StartHostAsync(azurite, clock, settings, configureServices);
            return new EndToEndRig(azurite, host, clock);
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }
    }

    /// <summary>Another Host on the same Azurite (the same subscriptions, events and queues), on the system clock.</summary>
    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope", Justification = "The caller owns the Host.")]
    public Task<ConnectorHostHarness> StartAnotherHostAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configureServices = null) =>
        StartHostAsync(Azurite, clock: null, settings, configureServices);

    private static Task<ConnectorHostHarness> StartHostAsync(AzuriteFixture azurite, FakeTimeProvider? clock, IDictionary<string, string?>? settings, Action<IServiceCollection>? configureServices)
    {
        var all = HookSettings.Unique(settings);

        // Sandbox mode: no API key. The receiver address is then the Host's own, and http callbacks to loopback are allowed.
        all["Synthflow:ApiKey"] = null;
        return ConnectorHostHarness.StartAsync(
            azurite,
            settings: all,
            timeProvider: clock,
            configureServices: services =>
            {
                // The harness points the client at a sandbox of its own; sandbox mode's in-process simulator is wanted here.
                services.RemoveAll<ISynthflowEndpointProvider>();
                services.AddSingleton<ISynthflowEndpointProvider>(sp => sp.GetRequiredService<SandboxHost>());
                configureServices?.Invoke(services);
            });
    }

    /// <summary><c>POST /api/hooks/call-ended</c>; the subscription's id.</summary>
    public async Task<string> SubscribeAsync(Uri callbackUrl, string? modelId = null, string[]? statuses = null)
    {
        using var created = await Host.Client.PostAsync(Hooks, HttpAssert.Json(new { callbackUrl, modelId, statuses }));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var subscription = JsonSerializer.Deserialize<CallEndedSubscription>(await created.Content.ReadAsStringAsync(), JsonSerializerOptions.Web)!;
        Assert.EndsWith($"/api/hooks/call-ended/{subscription.SubscriptionId}", created.Headers.Location!.AbsolutePath, StringComparison.Ordinal);
        return subscription.SubscriptionId;
    }

    public async Task UnsubscribeAsync(string subscriptionId)
    {
        var result = await HttpAssert.OkAsync<CallEndedUnsubscribeResult>(await Host.Client.DeleteAsync(new Uri($"/api/hooks/call-ended/{subscriptionId}", UriKind.Relative)));
        Assert.True(result.Deleted);
    }

    /// <summary><c>POST /api/calls</c> through the Host (the sandbox places it); its answer.</summary>
    public async Task<JsonElement> MakeCallAsync(string phone, string name = "Ada", string modelId = SalesEast, string? idempotencyKey = null, Uri? webhookUrl = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Calls) { Content = HttpAssert.Json(new { modelId, phone, name, webhookUrl }) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await HttpAssert.OkAsync<JsonElement>(await Host.Client.SendAsync(request));
    }

    /// <summary>Moves the fake clock past the simulator's call duration: every call placed so far ends and sends its webhook.</summary>
    public void EndCalls() => Clock!.Advance(Sandbox.CallDuration);

    /// <summary>
    /// Waits until the trigger has nothing left to do: <c>call-events</c> and <c>call-deliveries</c> hold no message,
    /// visible or not. A message is deleted only after its handler finished (a delivery after its POST was answered,
    /// a retry after the next try was queued), so once both are empty every delivery that will ever happen has
    /// happened: "exactly one" can then be asserted without waiting for a second that might come.
    /// </summary>
    public async Task WhenIdleAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (await CountAsync(IHookQueues.EventsQueue, timeout.Token) + await CountAsync(IHookQueues.DeliveriesQueue, timeout.Token) > 0)
        {
            // A poll of the emulator, not a wait for something to happen by itself: each round asks again.
            await Task.Delay(TimeSpan.FromMilliseconds(50), timeout.Token);
        }
    }

    /// <summary>Messages in the queue, visible or not (Azurite counts them all).</summary>
    public async Task<int> CountAsync(string queueName, CancellationToken cancellationToken = default)
    {
        try
        {
            var properties = await Azurite.CreateQueueClient(queueName).GetPropertiesAsync(cancellationToken);
            return properties.Value.ApproximateMessagesCount;
        }
        catch (RequestFailedException error) when (error.Status == 404)
        {
            return 0;
        }
    }

    /// <summary>Disposes the Host only (a "crash" or stop); <see cref="DisposeAsync"/> then skips it.</summary>
    public async Task StopHostAsync()
    {
        await Host.DisposeAsync();
        _hostStopped = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_hostStopped)
        {
            await Host.DisposeAsync();
        }

        await Azurite.DisposeAsync();
    }
}

/// <summary>The end-to-end tests start Hosts, Azurites and up to 3,000 deliveries: alone, so timing never depends on other collections.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "xunit's naming convention for collection definitions.")]
public sealed class HooksEndToEndCollection
{
    public const string Name = "Hooks end to end";
}
