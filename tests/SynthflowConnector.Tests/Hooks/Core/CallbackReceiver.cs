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

namespace SynthflowConnector.Tests.Hooks.Core;

/// <summary>
/// A flow's callback over a real socket: Kestrel on 127.0.0.1, port 0. Answers the queued statuses in order (then 200)
/// and keeps every request it got; <see cref="WhenReceivedAsync"/> waits for a number of them.
/// </summary>
internal sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _answers = new();
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];

    private CallbackReceiver(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentQueue<ReceivedCallback> Received { get; } = new();

    public static async Task<CallbackReceiver> StartAsync(params int[] answers)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection([new(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0")]);
        var receiver = new CallbackReceiver(builder.Build());
        foreach (var answer in answers)
        {
            receiver._answers.Enqueue(answer);
        }

        receiver._app.MapPost("/{**path}", (Func<HttpContext, Task<IResult>>)receiver.ReceiveAsync);
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        receiver.BaseAddress = new Uri(address.TrimEnd('/') + "/");
        return receiver;
    }

    public Uri Url(string pathAndQuery) => new(BaseAddress, pathAndQuery);

    /// <summary>Completes once <paramref name="count"/> requests have arrived; fails with a <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public Task WhenReceivedAsync(int count, TimeSpan timeout)
    {
        lock (_gate)
        {
            if (Received.Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task.WaitAsync(timeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> ReceiveAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        Received.Enqueue(new ReceivedCallback(
            context.Request.Path + context.Request.QueryString,
            context.Request.ContentType,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body));
        lock (_gate)
        {
            foreach (var waiter in _waiters.Where(w => w.Count <= Received.Count).ToArray())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }

        return Results.StatusCode(_answers.TryDequeue(out var status) ? status : StatusCodes.Status200OK);
    }
}

internal sealed record ReceivedCallback(string PathAndQuery, string? ContentType, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// A plain HttpClient <see cref="SynthflowConnector.Hooks.ICallbackSender"/> (the infrastructure's own sender, with its
/// connect-time address checks, replaces it in the product): POSTs JSON, maps every transport failure to a result.
/// </summary>
internal sealed class HttpCallbackSender(HttpClient client) : SynthflowConnector.Hooks.ICallbackSender
{
    public async Task<SynthflowConnector.Hooks.CallbackResult> PostAsync(
        Uri url, ReadOnlyMemory<byte> jsonBody, IReadOnlyDictionary<string, string>? headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ReadOnlyMemoryContent(jsonBody) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            return new SynthflowConnector.Hooks.CallbackResult((int)response.StatusCode);
        }
        catch (HttpRequestException error)
        {
            return new SynthflowConnector.Hooks.CallbackResult(null, error.HttpRequestError.ToString());
        }
    }
}
