using System.Text;
using Microsoft.Extensions.Logging;

namespace SynthflowConnector.Hooks;

/// <summary>
/// The receiver: verifies, parses and queues; the acknowledgement path, so it does nothing else. A webhook is one queue
/// message carrying its body (the fan-out stores it and drops a duplicate); only a body over
/// <see cref="MaxQueuedBodyBytes"/> is stored here first (a duplicate of it answered as one) and queued by reference.
/// A store or queue fault propagates (as the store exceptions): the API answers 503 and, if Synthflow never retries,
/// the sweep still finds the call (or re-queues the stored event's fan-out).
/// </summary>
public sealed partial class CallEventIntake(
    IWebhookSecretSource secrets,
    ICallEventStore events,
    IHookQueues queues,
    TimeProvider timeProvider,
    ILogger<CallEventIntake> logger,
    IEnumerable<ICallEndAcceptedObserver>? acceptedObservers = null)
{
    private readonly ICallEndAcceptedObserver[] _accepted = [.. acceptedObservers ?? []];

    /// <summary>Header carrying base64(HMAC-SHA256(secret, call_id)) (documented in CGI form as HTTP_SYNTHFLOW_SIGNATURE).</summary>
    public const string SignatureHeader = "Synthflow-Signature";

    /// <summary>Bodies above this are refused with 413 before parsing.</summary>
    public const int MaxBodyBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Bodies up to this travel in the queue message (as a JSON string at most twice as long, under the queue's 64 KiB
    /// with base64); larger ones are stored first and queued by reference. Synthflow's post-call webhook is about 2 KB
    /// plus the transcript.
    /// </summary>
    public const int MaxQueuedBodyBytes = 20 * 1024;

    public async Task<WebhookIntakeResult> AcceptAsync(ReadOnlyMemory<byte> body, string? signature, CancellationToken cancellationToken)
    {
        if (secrets.Secret is not { Length: > 0 } secret)
        {
            LogNotConfigured(logger);
            return new WebhookIntakeResult(WebhookIntakeStatus.NotConfigured, Detail: "Webhooks are refused: Synthflow__WebhookSecret is not set.");
        }

        if (string.IsNullOrWhiteSpace(signature))
        {
            LogUnsigned(logger);
            return new WebhookIntakeResult(WebhookIntakeStatus.Unauthorized, Detail: $"The {SignatureHeader} header is missing.");
        }

        if (body.Length > MaxBodyBytes)
        {
            return new WebhookIntakeResult(WebhookIntakeStatus.Invalid, Detail: $"The body is larger than {MaxBodyBytes} bytes.");
        }

        var parsed = SynthflowWebhookParser.Parse(body.Span, timeProvider.GetUtcNow());
        if (parsed.CallId is null)
        {
            // Without a call id nothing can be verified; say only what is missing.
            return new WebhookIntakeResult(WebhookIntakeStatus.Invalid, Detail: parsed.Error, Field: parsed.Field ?? "call.call_id");
        }

        if (!WebhookSignature.Verify(secret, parsed.CallId, signature))
        {
            LogForged(logger);
            return new WebhookIntakeResult(WebhookIntakeStatus.Unauthorized, Detail: $"The {SignatureHeader} header does not match.");
        }

        if (parsed.Event is not { } callEnded)
        {
            LogInvalid(logger, parsed.CallId, parsed.Field);
            return new WebhookIntakeResult(WebhookIntakeStatus.Invalid, parsed.CallId, parsed.Error, parsed.Field);
        }

        if (!CallStatuses.IsFinal(callEnded.Status))
        {
            LogIgnored(logger, callEnded.CallId, callEnded.Status);
            return new WebhookIntakeResult(WebhookIntakeStatus.Ignored, callEnded.CallId, $"Status '{callEnded.Status}' does not end a call.");
        }

        var originalBody = Encoding.UTF8.GetString(body.Span);
        if (body.Length <= MaxQueuedBodyBytes)
        {
            // One storage request on the acknowledgement path: the queue message carries the webhook, and the fan-out
            // stores it (insert-only under the message's claim, which is where a duplicate webhook is dropped).
            await queues.EnqueueEventAsync(CallEventMessage.Claiming(callEnded, originalBody), cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Too large for a queue message: stored first (the dedupe, and the row the fan-out reads), then queued by reference.
            var stored = new StoredCallEvent { Event = callEnded, OriginalBody = originalBody };
            if (!await events.TryAddAsync(stored, cancellationToken).ConfigureAwait(false))
            {
                LogDuplicate(logger, callEnded.CallId, callEnded.Status);
                return new WebhookIntakeResult(WebhookIntakeStatus.Duplicate, callEnded.CallId);
            }

            await queues.EnqueueEventAsync(new CallEventMessage(callEnded.CallId, callEnded.Status), cancellationToken).ConfigureAwait(false);
        }

        LogAccepted(logger, callEnded.CallId, callEnded.Status);
        foreach (var observer in _accepted)
        {
            observer.OnCallEndAccepted(callEnded.CallId);
        }

        return new WebhookIntakeResult(WebhookIntakeStatus.Accepted, callEnded.CallId);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Accepted the webhook of call {CallId} ({Status})")]
    private static partial void LogAccepted(ILogger logger, string callId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook of call {CallId} ({Status}) already stored: acknowledged, not fanned out again")]
    private static partial void LogDuplicate(ILogger logger, string callId, string status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook of call {CallId} has status {Status}, which does not end a call: acknowledged, ignored")]
    private static partial void LogIgnored(ILogger logger, string callId, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a signed webhook of call {CallId}: field {Field} is not readable")]
    private static partial void LogInvalid(ILogger logger, string callId, string? field);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a webhook without a Synthflow-Signature header")]
    private static partial void LogUnsigned(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a webhook whose Synthflow-Signature does not match")]
    private static partial void LogForged(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a webhook: Synthflow__WebhookSecret is not set (live mode)")]
    private static partial void LogNotConfigured(ILogger logger);
}
