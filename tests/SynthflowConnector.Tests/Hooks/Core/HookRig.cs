using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Hooks.Core;

/// <summary>The trigger's core services on in-memory ports, a fake Synthflow and a fake clock; logs captured.</summary>
internal sealed class HookRig : IDisposable
{
    public const string Secret = "sandbox-secret";
    public const string CallId = "1711646262471x768387119913843100";
    public const string Agent = "1711241656808x745681686585854500";

    private readonly LoggerFactory _loggers;
    private HookSubscriptionCache? _subscriptionCache;

    public HookRig(string? secret = Secret, ICallbackSender? sender = null, bool sandbox = true)
    {
        _loggers = new LoggerFactory([Logs]);
        SecretSource = new FixedSecret(secret);
        Sender = sender ?? new HttpCallbackSender(Http);
        SynthflowOptions = Options.Create(new SynthflowOptions { ApiKey = sandbox ? null : "live-key" });
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 3, 28, 17, 20, 0, TimeSpan.Zero));

    public CapturingLoggerProvider Logs { get; } = new();

    public HooksOptions Settings { get; } = new();

    public IOptions<SynthflowOptions> SynthflowOptions { get; }

    public FixedSecret SecretSource { get; }

    public InMemoryCallEventStore Events { get; } = new();

    public InMemoryHookQueues Queues { get; } = new();

    public InMemorySubscriptionStore Subscriptions { get; } = new();

    /// <summary>The process's one subscription cache (a singleton in the app), on the rig's clock and <see cref="Settings"/>.</summary>
    public HookSubscriptionCache SubscriptionCache => _subscriptionCache ??= new(Subscriptions, Options.Create(Settings), Clock);

    public InMemoryPlacedCallStore PlacedCalls { get; } = new();

    public InMemoryFailureStore Failures { get; } = new();

    public FakeSynthflowCalls Synthflow { get; } = new();

    public HttpClient Http { get; } = new();

    public ICallbackSender Sender { get; }

    public CallEventIntake Intake => new(SecretSource, Events, Queues, Clock, _loggers.CreateLogger<CallEventIntake>());

    public CallEventFanOut FanOut =>
        new(Events, PlacedCalls, Subscriptions, Delivery, Synthflow, Clock, _loggers.CreateLogger<CallEventFanOut>(), subscriptionCache: SubscriptionCache);

    public CallbackDelivery Delivery =>
        new(Events, Subscriptions, Queues, Failures, Sender, SecretSource, Options.Create(Settings), Clock, _loggers.CreateLogger<CallbackDelivery>(),
            subscriptionCache: SubscriptionCache);

    public CallEndSweep Sweep => new(PlacedCalls, Events, Queues, Synthflow, Options.Create(Settings), Clock, _loggers.CreateLogger<CallEndSweep>());

    public HookSubscriptionService SubscriptionService =>
        new(Subscriptions, Failures, SynthflowOptions, Clock, _loggers.CreateLogger<HookSubscriptionService>(), SubscriptionCache);

    public void Dispose()
    {
        Http.Dispose();
        _loggers.Dispose();
    }

    /// <summary>Receives <paramref name="body"/> signed as Synthflow would sign it.</summary>
    public Task<WebhookIntakeResult> ReceiveAsync(string body, string callId = CallId) =>
        Intake.AcceptAsync(Encoding.UTF8.GetBytes(body), WebhookSignature.Compute(Secret, callId), CancellationToken.None);

    public async Task<HookSubscription> SubscribeAsync(Uri callbackUrl, string? modelId = null, params string[] statuses) =>
        await SubscriptionService.SubscribeAsync(HookEvents.CallEnded, new SubscribeCommand(callbackUrl, modelId, statuses), CancellationToken.None);

    /// <summary>Synthflow's documented example webhook (webhooks.md), with the optional fields filled in.</summary>
    public static string DocumentedWebhook(string status = "completed", string callId = CallId) => $$"""
        {
          "status": "{{status}}",
          "error_message": "agent_goodbye",
          "lead": { "name": "David", "phone_number": "+1234334546" },
          "call": {
            "status": "{{status}}", "end_call_reason": "completed",
            "model_id": "{{Agent}}", "timezone": "Europe/Berlin",
            "call_id": "{{callId}}", "duration": 32,
            "start_time": "2024-03-28T18:17:46.205134+01:00",
            "transcript": "\nbot: Hello ...\nhuman: ...", "diversion": null, "external_id": "test_external_id"
          },
          "executed_actions": {
            "extract_info_1": { "name": "extract_info_1", "action_type": "extract_info_action_type",
              "return_value": { "purchase": "car" } }
          },
          "analysis": { "call_completion": true, "call_completion_feedback": "The caller said goodbye", "user_sentiment": "partial" },
          "collected_variables": { "budget": "20000" }
        }
        """;

    /// <summary>Accepts the documented webhook; answers the event its queued message carries (nothing is stored yet).</summary>
    public async Task<CallEndedEvent> AcceptDocumentedAsync(string status = "completed", string callId = CallId)
    {
        var result = await ReceiveAsync(DocumentedWebhook(status, callId), callId);
        Assert.Equal(WebhookIntakeStatus.Accepted, result.Status);
        var message = Queues.Events.Last(m => m.CallId == callId && m.Status == status);
        Assert.NotNull(message.Claim);
        return SynthflowWebhookParser.Parse(Encoding.UTF8.GetBytes(message.OriginalBody!), message.ReceivedAt!.Value).Event!;
    }
}
