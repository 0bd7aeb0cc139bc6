using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SynthflowConnector.Functions.Tests.Infrastructure;
using SynthflowConnector.Hooks;
using SynthflowConnector.Tests.Infrastructure;
using static SynthflowConnector.Sandbox.SandboxSeed;

namespace SynthflowConnector.Functions.Tests;

/// <summary>
/// The trigger's queue functions and sweep timer, invoked in-process as the Functions host would (the function class
/// from DI in a fresh scope; a queue message as its base64-decoded text), in the worker's real composition on Azurite.
/// </summary>
/// <remarks>
/// The Azurite collection runs one test at a time, but the hook tables and queues have fixed names: each test handles
/// only the messages of its own call.
/// </remarks>
[Collection("Azurite")]
public sealed class HookFunctionsTests(AzuriteFixture azurite)
{
    private const string Secret = "whsec-functions-test-7d1c";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_sandbox_call_reaches_the_flow_through_the_receiver_FanOutCallEvent_and_DeliverCallEvent()
    {
        await using var edge = await FunctionsEdge.StartAsync();
        await using var worker = await WorkerApp.StartAsync(azurite, new Dictionary<string, string?>
        {
            // As `func start` sets it: Synthflow (the worker's sandbox) posts its webhooks to the edge, which hands them to the function.
            ["WEBSITE_HOSTNAME"] = edge.Address.Authority,
            ["Synthflow:WebhookSecret"] = Secret,
            ["Sandbox:CallDuration"] = "0.2",
        });
        edge.Worker = worker;

        var (_, subscribed) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest(
            "POST", "/api/hooks/call-ended", JsonSerializer.Serialize(new { callbackUrl = new Uri(edge.Address, "/flow/ended?sig=flow-secret"), statuses = new[] { "completed" } })));
        Assert.Equal(201, subscribed.Status);
        var (_, placed) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest(
            "POST", "/api/calls", JsonSerializer.Serialize(new { modelId = SalesEastModelId, phone = "+12125550130", name = "Ada" }), new Dictionary<string, string> { ["Idempotency-Key"] = "run-7-item-1" }));
        Assert.Equal(200, placed.Status);
        var callId = placed.Json()!["callId"]!.GetValue<string>();

        // The sandbox ends the call and posts its signed webhook; the receiver function queues it; FanOutCallEvent
        // stores it and makes the first try itself.
        var webhook = await edge.Webhooks.Task.WaitAsync(Patience);
        Assert.Equal(200, webhook.Status);
        var events = await ReceiveAsync(IHookQueues.EventsQueue, callId);
        await InvokeAsync(worker, "FanOutCallEvent", events.Body.ToString());
        await DeleteAsync(IHookQueues.EventsQueue, events);
        Assert.NotNull(await worker.Services.GetRequiredService<ICallEventStore>().GetAsync(callId, "completed", CancellationToken.None));

        // DeliverCallEvent makes the retries: one queued as CallbackDelivery queues it (without its event, as an older
        // message or one too large for the queue), read back from Azurite, posts the stored event again.
        var subscriptionId = subscribed.Json()!["subscriptionId"]!.GetValue<string>();
        await worker.Services.GetRequiredService<IHookQueues>().EnqueueDeliveryAsync(
            new DeliveryMessage { CallId = callId, Status = "completed", SubscriptionId = subscriptionId, Attempt = 2, FirstQueuedAt = DateTimeOffset.UtcNow },
            TimeSpan.Zero,
            CancellationToken.None);
        var delivery = await ReceiveAsync(IHookQueues.DeliveriesQueue, callId);
        await InvokeAsync(worker, "DeliverCallEvent", delivery.Body.ToString());
        await DeleteAsync(IHookQueues.DeliveriesQueue, delivery);

        Assert.Equal(2, edge.Callbacks.Count);
        Assert.Equal(edge.Callbacks.First(), edge.Callbacks.Last());
        var (path, body) = edge.Callbacks.First();
        Assert.Equal("/flow/ended?sig=flow-secret", path);
        using var posted = JsonDocument.Parse(body);
        Assert.Equal(callId, posted.RootElement.GetProperty("callId").GetString());
        Assert.Equal("completed", posted.RootElement.GetProperty("status").GetString());
        Assert.Equal("agent_ended_call", posted.RootElement.GetProperty("endCallReason").GetString());
        Assert.Equal("run-7-item-1", posted.RootElement.GetProperty("idempotencyKey").GetString());
        Assert.Equal("+12125550130", posted.RootElement.GetProperty("toPhoneNumber").GetString());
        Assert.Equal(JsonValueKind.String, posted.RootElement.GetProperty("recordingUrl").ValueKind);
    }

    public static TheoryData<string, string> Unreadable => new()
    {
        { "FanOutCallEvent", "not json" },
        { "FanOutCallEvent", """{"callId":""}""" },
        { "DeliverCallEvent", "{" },
        { "DeliverCallEvent", """{"callId":"c-1"}""" },
    };

    /// <summary>
    /// The function throws, so the Functions host makes the message visible again and, after host.json's
    /// maxDequeueCount tries (FunctionMetadataTests checks 5), moves it to {queue}-poison: it cannot loop forever.
    /// </summary>
    [Theory]
    [MemberData(nameof(Unreadable))]
    public async Task An_unreadable_message_throws_so_the_Functions_host_moves_it_to_the_poison_queue(string function, string message)
    {
        await using var worker = await WorkerApp.StartAsync(azurite);

        await Assert.ThrowsAnyAsync<JsonException>(() => InvokeAsync(worker, function, message));
    }

    [Fact]
    public async Task SweepEndedCalls_emits_the_end_of_a_call_whose_webhook_never_came()
    {
        // No WEBSITE_HOSTNAME: the worker knows no receiver address, so Synthflow is told none and only the sweep sees the end.
        await using var worker = await WorkerApp.StartAsync(azurite, new Dictionary<string, string?> { ["Hooks:SweepGrace"] = "00:00:00" });
        var callId = await PlaceAndEndAsync(worker);

        await InvokeAsync(worker, "SweepEndedCalls", Timer());

        // The sweep queues the event as a webhook is queued; FanOutCallEvent stores it.
        var events = await ReceiveAsync(IHookQueues.EventsQueue, callId);
        await InvokeAsync(worker, "FanOutCallEvent", events.Body.ToString());
        await DeleteAsync(IHookQueues.EventsQueue, events);
        var stored = await worker.Services.GetRequiredService<ICallEventStore>().GetAsync(callId, "no-answer", CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Null(stored.OriginalBody);
        Assert.Equal(SalesEastModelId, stored.Event.ModelId);
        Assert.DoesNotContain(await worker.Services.GetRequiredService<IPlacedCallStore>().ListOpenAsync(CancellationToken.None), open => open.CallId == callId);
    }

    [Fact]
    public async Task SweepEndedCalls_does_nothing_when_Hooks__SweepEnabled_is_false()
    {
        await using var worker = await WorkerApp.StartAsync(azurite, new Dictionary<string, string?> { ["Hooks:SweepGrace"] = "00:00:00", ["Hooks:SweepEnabled"] = "false" });
        var callId = await PlaceAndEndAsync(worker);

        await InvokeAsync(worker, "SweepEndedCalls", Timer());

        Assert.False(await worker.Services.GetRequiredService<ICallEventStore>().AnyForCallAsync(callId, CancellationToken.None));
        var placed = await worker.Services.GetRequiredService<IPlacedCallStore>().GetAsync(callId, CancellationToken.None);
        Assert.NotNull(placed);
    }

    /// <summary>Places a call through MakeCall and ends it by hand in the sandbox (no-answer): no webhook goes anywhere.</summary>
    private static async Task<string> PlaceAndEndAsync(WorkerApp worker)
    {
        var (_, placed) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest(
            "POST", "/api/calls", JsonSerializer.Serialize(new { modelId = SalesEastModelId, phone = "+12125550134", name = "Grace" })));
        Assert.Equal(200, placed.Status);
        var callId = placed.Json()!["callId"]!.GetValue<string>();
        Assert.Null(Assert.Single(worker.Sandbox.Calls, call => call.CallId == callId).ExternalWebhookUrl);
        worker.Sandbox.SetCallStatus(callId, "no-answer", "timeout", durationSeconds: 0);
        return callId;
    }

    private static TimerInfo Timer() =>
        new() { IsPastDue = false, ScheduleStatus = new ScheduleStatus { Last = DateTime.UtcNow.AddMinutes(-1), Next = DateTime.UtcNow.AddMinutes(1) } };

    /// <summary>What the worker does for a trigger: the function class from DI in a fresh scope, called with the trigger's value.</summary>
    private static async Task InvokeAsync(WorkerApp worker, string functionName, object trigger)
    {
        var function = Assert.Single(WorkerFunctions.All, f => f.Name == functionName);
        await using var scope = worker.Services.CreateAsyncScope();
        var instance = ActivatorUtilities.CreateInstance(scope.ServiceProvider, function.Method.DeclaringType!);
        Task task;
        try
        {
            task = (Task)function.Method.Invoke(instance, [trigger, CancellationToken.None])!;
        }
        catch (TargetInvocationException exception) when (exception.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(exception.InnerException).Throw();
            throw;
        }

        await task;
    }

    private QueueClient Queue(string name) => new(azurite.ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>This call's message on <paramref name="queueName"/>, received (hidden from others) as the Functions host would.</summary>
    private async Task<QueueMessage> ReceiveAsync(string queueName, string callId)
    {
        var queue = Queue(queueName);
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            foreach (var message in (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5), timeout.Token)).Value)
            {
                if (message.Body.ToString().Contains($"\"{callId}\"", StringComparison.Ordinal))
                {
                    return message;
                }
            }

            Assert.False(timeout.IsCancellationRequested, $"No message of call {callId} on {queueName}.");
        }
    }

    private async Task DeleteAsync(string queueName, QueueMessage message) => await Queue(queueName).DeleteMessageAsync(message.MessageId, message.PopReceipt);

    /// <summary>
    /// The two ends a Functions app talks to over HTTP, on one Kestrel at 127.0.0.1: the Functions host's edge, which hands
    /// <c>POST /api/webhooks/synthflow</c> to the receiver function in-process, and a flow's callback, which keeps what it got.
    /// </summary>
    private sealed class FunctionsEdge : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private FunctionsEdge(WebApplication app) => _app = app;

        public Uri Address { get; private set; } = null!;

        public WorkerApp? Worker { get; set; }

        public TaskCompletionSource<ExchangeResponse> Webhooks { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ConcurrentQueue<(string Path, string Body)> Callbacks { get; } = new();

        public static async Task<FunctionsEdge> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddInMemoryCollection([new(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0")]);
            var edge = new FunctionsEdge(builder.Build());
            edge._app.MapPost("/api/webhooks/synthflow", (Func<HttpContext, Task<IResult>>)edge.ReceiveWebhookAsync);
            edge._app.MapPost("/flow/{**path}", (Func<HttpContext, Task<IResult>>)edge.ReceiveCallbackAsync);
            await edge._app.StartAsync();
            edge.Address = new Uri(edge._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
            return edge;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private async Task<IResult> ReceiveWebhookAsync(HttpContext context)
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var worker = Worker ?? throw new InvalidOperationException("A webhook came before the worker was ready.");
            var headers = new Dictionary<string, string> { [CallEventIntake.SignatureHeader] = context.Request.Headers[CallEventIntake.SignatureHeader].ToString() };
            var (_, response) = await Exchange.InvokeAsync(worker.Services, new ExchangeRequest("POST", "/api/webhooks/synthflow", body, headers), context.RequestAborted);
            Webhooks.TrySetResult(response);
            return Results.Text(response.Body, "application/json", statusCode: response.Status);
        }

        private async Task<IResult> ReceiveCallbackAsync(HttpContext context)
        {
            using var reader = new StreamReader(context.Request.Body);
            Callbacks.Enqueue((context.Request.Path + context.Request.QueryString, await reader.ReadToEndAsync(context.RequestAborted)));
            return Results.Ok();
        }
    }
}
