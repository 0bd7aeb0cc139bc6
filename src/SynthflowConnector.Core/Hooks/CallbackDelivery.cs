using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SynthflowConnector.Hooks;

/// <summary>
/// One POST of one event to one target: the fan-out's first tries, and the handler of <see cref="IHookQueues.DeliveriesQueue"/>
/// (retries, campaign deliveries, messages of an earlier version); a retry is a new message with a backoff delay.
/// 2xx delivered; 404/410 removes the subscription; 408/429/5xx/no answer retried (base × 2^(try − 1), capped) until
/// the retry window since the first try is used up, the last try falling at the window's end at the latest; anything
/// else, or the window's end, gives up: the message goes to the poison queue and a failure record names the host.
/// A subscription delivery posts the event it carries (<see cref="DeliveryMessage.Event"/>; the stored event when it
/// carries none) to the subscription as <see cref="HookSubscriptionCache"/> knows it.
/// </summary>
public sealed partial class CallbackDelivery(
    ICallEventStore events,
    IHookSubscriptionStore subscriptions,
    IHookQueues queues,
    IDeliveryFailureStore failures,
    ICallbackSender sender,
    IWebhookSecretSource secrets,
    IOptions<HooksOptions> options,
    TimeProvider timeProvider,
    ILogger<CallbackDelivery> logger,
    Campaigns.CampaignCompletion? campaigns = null,
    HookSubscriptionCache? subscriptionCache = null)
{
    private readonly HookSubscriptionCache _subscriptions = subscriptionCache ?? HookSubscriptionCache.Uncached(subscriptions);

    public Task<DeliveryOutcome> HandleAsync(DeliveryMessage message, CancellationToken cancellationToken) =>
        HandleAsync(message, forwardBody: null, cancellationToken);

    /// <param name="message">The delivery (its first try when the fan-out calls).</param>
    /// <param name="forwardBody">For a forward, the webhook body when the caller holds it (else it is read from the stored event).</param>
    /// <param name="cancellationToken">Stopping.</param>
    public async Task<DeliveryOutcome> HandleAsync(DeliveryMessage message, string? forwardBody, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var target = await TargetAsync(message, forwardBody, cancellationToken).ConfigureAwait(false);
        if (target is null)
        {
            return DeliveryOutcome.Skipped;
        }

        var result = await PostAsync(target, cancellationToken).ConfigureAwait(false);

        // Stopping (not a delivery timeout): leave the message; it reappears and is delivered after the restart.
        cancellationToken.ThrowIfCancellationRequested();
        var host = target.Url.IdnHost;
        if (result.Succeeded)
        {
            LogDelivered(logger, message.CallId, message.Status, host, message.Attempt, result.StatusCode!.Value);
            return DeliveryOutcome.Delivered;
        }

        if (result.StatusCode is 404 or 410 && message.SubscriptionId is { } gone)
        {
            try
            {
                await subscriptions.DeleteAsync(EventOf(message), gone, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _subscriptions.Invalidate(EventOf(message));
            }

            LogSubscriptionRemoved(logger, gone, host, result.StatusCode.Value);
            return DeliveryOutcome.SubscriptionRemoved;
        }

        if (result.StatusCode is null or 408 or 429 or >= 500)
        {
            var now = timeProvider.GetUtcNow();
            var left = message.FirstQueuedAt + options.Value.RetryWindow - now;
            var delay = options.Value.RetryDelay(message.Attempt);
            if (left > TimeSpan.Zero)
            {
                delay = delay < left ? delay : left;
                await queues.EnqueueDeliveryAsync(message with { Attempt = message.Attempt + 1 }, delay, cancellationToken).ConfigureAwait(false);
                LogRetryQueued(logger, message.CallId, message.Status, host, message.Attempt, Describe(result), delay);
                return DeliveryOutcome.RetryQueued;
            }

            return await GiveUpAsync(message, host, result, $"No success within the retry window ({options.Value.RetryWindow:c}); last try: {Describe(result)}.", cancellationToken).ConfigureAwait(false);
        }

        return await GiveUpAsync(message, host, result, $"The callback refused the delivery: {Describe(result)}.", cancellationToken).ConfigureAwait(false);
    }

    private static string EventOf(DeliveryMessage message) => message.CampaignId is null ? HookEvents.CallEnded : HookEvents.CampaignCompleted;

    private async Task<Target?> TargetAsync(DeliveryMessage message, string? forwardBody, CancellationToken cancellationToken)
    {
        if (message.CampaignId is { } campaignId)
        {
            var subscription = message.SubscriptionId is { } id && campaigns is not null
                ? await subscriptions.GetAsync(HookEvents.CampaignCompleted, id, cancellationToken).ConfigureAwait(false)
                : null;
            var body = subscription is null ? null : await campaigns!.BuildEventAsync(campaignId, cancellationToken).ConfigureAwait(false);
            if (subscription is null || body is null)
            {
                LogSkipped(logger, message.CallId, message.Status, "the subscription or the campaign is gone");
                return null;
            }

            return new Target(subscription.CallbackUrl, body, null);
        }

        if (message.SubscriptionId is { } subscriptionId)
        {
            var subscription = await _subscriptions.FindAsync(HookEvents.CallEnded, subscriptionId, cancellationToken).ConfigureAwait(false);
            if (subscription is null)
            {
                LogSkipped(logger, message.CallId, message.Status, "the subscription is gone");
                return null;
            }

            var callEnded = message.Event
                ?? (await events.GetAsync(message.CallId, message.Status, cancellationToken).ConfigureAwait(false))?.Event;
            if (callEnded is null)
            {
                LogSkipped(logger, message.CallId, message.Status, "its event is not stored");
                return null;
            }

            return new Target(subscription.CallbackUrl, HookJson.SerializeEvent(callEnded), null);
        }

        var original = message.ForwardUrl is null ? null
            : forwardBody ?? (await events.GetAsync(message.CallId, message.Status, cancellationToken).ConfigureAwait(false))?.OriginalBody;
        if (message.ForwardUrl is { } forwardUrl && original is not null)
        {
            // Forwarded as Synthflow sent it, with the signature Synthflow would have sent (only the call id is signed).
            var headers = secrets.Secret is { Length: > 0 } secret
                ? new Dictionary<string, string> { [CallEventIntake.SignatureHeader] = WebhookSignature.Compute(secret, message.CallId) }
                : null;
            return new Target(forwardUrl, Encoding.UTF8.GetBytes(original), headers);
        }

        LogSkipped(logger, message.CallId, message.Status, message.ForwardUrl is null ? "it names no target" : "its event is not stored");
        return null;
    }

    /// <summary>One try, cut off after <see cref="HooksOptions.DeliveryTimeout"/> (a timeout is no answer).</summary>
    private async Task<CallbackResult> PostAsync(Target target, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.Value.DeliveryTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await sender.PostAsync(target.Url, target.Body, target.Headers, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new CallbackResult(null, $"no answer within {options.Value.DeliveryTimeout:c}");
        }
    }

    private async Task<DeliveryOutcome> GiveUpAsync(DeliveryMessage message, string host, CallbackResult result, string reason, CancellationToken cancellationToken)
    {
        // The record and the poison message name the delivery, not its body: the event stays in its own store.
        message = message with { Event = null };
        var failure = new DeliveryFailure
        {
            Id = FailureId(message),
            Delivery = message,
            TargetHost = host,
            LastStatusCode = result.StatusCode,
            Reason = reason,
            FailedAt = timeProvider.GetUtcNow(),
        };

        // The record first: if the process dies before the poison message, the redelivered message gives up again
        // under the same id (an overwrite, not a second record).
        await failures.AddAsync(failure, cancellationToken).ConfigureAwait(false);
        await queues.EnqueuePoisonAsync(message, cancellationToken).ConfigureAwait(false);
        LogGaveUp(logger, message.CallId, message.Status, host, message.Attempt, Describe(result));
        return DeliveryOutcome.GaveUp;
    }

    /// <summary>Stable per delivery and try, so giving up twice (a redelivered message) records one failure.</summary>
    private static string FailureId(DeliveryMessage message)
    {
        var identity = $"{message.CallId}\u001f{message.Status}\u001f{message.SubscriptionId}\u001f{message.ForwardUrl?.AbsoluteUri}\u001f{message.Attempt}";
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)).AsSpan(0, 16));
    }

    private static string Describe(CallbackResult result) =>
        result.StatusCode is { } status ? $"HTTP {status}" : $"no answer ({result.Error ?? "unknown error"})";

    private sealed record Target(Uri Url, byte[] Body, IReadOnlyDictionary<string, string>? Headers);

    [LoggerMessage(Level = LogLevel.Information, Message = "Delivered call {CallId} ({Status}) to {Host} on try {Attempt}: HTTP {StatusCode}")]
    private static partial void LogDelivered(ILogger logger, string callId, string status, string host, int attempt, int statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Delivery of call {CallId} ({Status}) to {Host} failed on try {Attempt} ({Result}): next try in {Delay}")]
    private static partial void LogRetryQueued(ILogger logger, string callId, string status, string host, int attempt, string result, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removed subscription {SubscriptionId}: its callback at {Host} answered HTTP {StatusCode}")]
    private static partial void LogSubscriptionRemoved(ILogger logger, string subscriptionId, string host, int statusCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "Gave up delivering call {CallId} ({Status}) to {Host} after try {Attempt} ({Result}): moved to the poison queue")]
    private static partial void LogGaveUp(ILogger logger, string callId, string status, string host, int attempt, string result);

    [LoggerMessage(Level = LogLevel.Information, Message = "Skipped a delivery of call {CallId} ({Status}): {Why}")]
    private static partial void LogSkipped(ILogger logger, string callId, string status, string why);
}
