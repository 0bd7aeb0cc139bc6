using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SynthflowConnector.Bench.Infrastructure;

/// <summary>
/// The subscribers' side of the "When a call ends" trigger: Kestrel on 127.0.0.1 (port 0), one path per subscription
/// (<c>/hook/{n}</c>). Notes when each (subscription, call) delivery first arrives (Stopwatch ticks, the same clock the
/// sender uses), how many times it arrived, and — with <see cref="FirstTryFailureRate"/> above zero — answers 500 to
/// that share of first tries, chosen at random (a try is "first" when nothing arrived yet for its key).
/// </summary>
internal sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<(int Subscription, string CallId), Arrivals> _arrivals = new();
    private long _delivered;
    private long _distinct;
    private long _refused;

    private CallbackReceiver(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Share of first tries answered 500 (0 … 1); set between phases.</summary>
    public double FirstTryFailureRate { get; set; }

    /// <summary>Distinct (subscription, call) keys delivered (answered 2xx) at least once.</summary>
    public long DistinctDelivered => Interlocked.Read(ref _distinct);

    public long Delivered => Interlocked.Read(ref _delivered);

    public long Refused => Interlocked.Read(ref _refused);

    public static async Task<CallbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection([new(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0")]);
        var receiver = new CallbackReceiver(builder.Build());
        receiver._app.MapPost("/hook/{subscription:int}", (Func<HttpContext, int, Task<IResult>>)receiver.ReceiveAsync);
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        receiver.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return receiver;
    }

    public Uri Url(int subscription) => new(BaseAddress, $"hook/{subscription}");

    /// <summary>What arrived for one key, or null.</summary>
    public Arrivals? Get(int subscription, string callId) => _arrivals.TryGetValue((subscription, callId), out var arrivals) ? arrivals : null;

    /// <summary>Waits until <paramref name="expected"/> holds or <paramref name="timeout"/> passes; false on timeout.</summary>
    public static async Task<bool> WaitUntilAsync(Func<bool> expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (!expected())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }

        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> ReceiveAsync(HttpContext context, int subscription)
    {
        var at = Stopwatch.GetTimestamp();
        using var body = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var callId = body.RootElement.GetProperty("callId").GetString() ?? "";
        var arrivals = _arrivals.GetOrAdd((subscription, callId), _ => new Arrivals());
        if (arrivals.TryRefuseFirst(FirstTryFailureRate))
        {
            Interlocked.Increment(ref _refused);
            return Results.StatusCode(StatusCodes.Status500InternalServerError);
        }

        if (arrivals.Deliver(at))
        {
            Interlocked.Increment(ref _distinct);
        }

        Interlocked.Increment(ref _delivered);
        return Results.Ok();
    }

    /// <summary>The tries of one (subscription, call).</summary>
    internal sealed class Arrivals
    {
        private readonly Lock _gate = new();
        private int _tries;

        /// <summary>Stopwatch ticks of the first delivery answered 2xx; 0 before.</summary>
        public long FirstDeliveredAt { get; private set; }

        /// <summary>Deliveries answered 2xx (more than one: duplicates).</summary>
        public int Delivered { get; private set; }

        /// <summary>Tries answered 500.</summary>
        public int Refused { get; private set; }

        public bool TryRefuseFirst(double rate)
        {
            lock (_gate)
            {
                var first = _tries++ == 0;
                if (first && rate > 0 && Random.Shared.NextDouble() < rate)
                {
                    Refused++;
                    return true;
                }

                return false;
            }
        }

        /// <returns>True for the key's first delivery.</returns>
        public bool Deliver(long at)
        {
            lock (_gate)
            {
                if (Delivered++ == 0)
                {
                    FirstDeliveredAt = at;
                    return true;
                }

                return false;
            }
        }
    }
}
