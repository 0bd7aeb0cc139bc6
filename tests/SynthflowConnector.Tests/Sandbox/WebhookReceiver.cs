using System.Collections.Concurrent;
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

namespace SynthflowConnector.Tests.Sandbox;

/// <summary>
/// A webhook receiver on a real loopback socket (Kestrel, port 0): records every POST to <c>/hooks/…</c> with its
/// signature header and body, and answers <see cref="StatusCode"/>. <see cref="Hold"/> makes it sit on requests until
/// released, to show that a slow receiver blocks nobody.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private TaskCompletionSource _release = CompletedSource();
    private volatile int _statusCode = StatusCodes.Status200OK;

    private WebhookReceiver(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    /// <summary>E.g. <c>http://127.0.0.1:54321/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The URL to give as <c>external_webhook_url</c>.</summary>
    public string Url => new Uri(BaseAddress, "hooks/synthflow").ToString();

    public int StatusCode
    {
        get => _statusCode;
        set => _statusCode = value;
    }

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToArray();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection([new(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0")]);
        var app = builder.Build();
        WebhookReceiver? receiver = null;
        app.MapPost("/hooks/{**rest}", async (HttpContext http) =>
        {
            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted);
            var signature = http.Request.Headers.TryGetValue("Synthflow-Signature", out var values) ? values.ToString() : null;
            receiver!.Record(new ReceivedWebhook(http.Request.Path, signature, http.Request.ContentType, body.ToArray()));
            await receiver._release.Task.WaitAsync(http.RequestAborted);
            http.Response.StatusCode = receiver.StatusCode;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        receiver = new WebhookReceiver(app, new Uri(address.TrimEnd('/') + "/"));
        return receiver;
    }

    /// <summary>Completes once <paramref name="count"/> webhooks have arrived (a guard fails a hung test).</summary>
    public Task WhenReceivedAsync(int count)
    {
        lock (_gate)
        {
            if (_received.Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>From now on requests wait (after being recorded) until <see cref="Release"/>.</summary>
    public void Hold() => _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _release.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Record(ReceivedWebhook webhook)
    {
        lock (_gate)
        {
            _received.Enqueue(webhook);
            foreach (var waiter in _waiters.Where(w => w.Count <= _received.Count).ToArray())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }
}

/// <summary>One webhook as the receiver got it.</summary>
internal sealed record ReceivedWebhook(string Path, string? Signature, string? ContentType, byte[] Body);
