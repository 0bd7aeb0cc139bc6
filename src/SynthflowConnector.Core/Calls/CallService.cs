using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Agents;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Hooks;
using SynthflowConnector.PhoneNumbers;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Calls;

/// <summary>
/// Places calls with caller-ID choice and idempotency: the key is claimed first (<see cref="IdempotentCallLedger"/>),
/// so a duplicate is answered from the ledger and only the request holding the key chooses a caller ID and dials.
/// Every call asks Synthflow to post its post-call webhook to the connector's receiver, and a placed call is recorded in
/// <see cref="IPlacedCallStore"/> for the call-ended trigger (the store and the address are optional: without them a
/// call is placed as before). With an <see cref="AccountPacer"/>, the call waits for the account's pacing slot right before
/// it is placed (too long a wait: <see cref="CallFailureKind.PacingUnavailable"/>, nothing placed), the slot is bound to the
/// placed call (its end frees it) or freed at once when Synthflow answers with an error.
/// </summary>
public sealed partial class CallService(
    ISynthflowClient synthflow,
    AgentPhoneNumberService agents,
    CallerIdService callerId,
    ICallLedger ledger,
    IOptions<CallsOptions> callsOptions,
    IOptions<SynthflowOptions> synthflowOptions,
    TimeProvider timeProvider,
    ILogger<CallService> logger,
    IPlacedCallStore? placedCalls = null,
    IWebhookReceiverAddress? webhookReceiver = null,
    AccountPacer? pacer = null)
{
    // Logs under this service's category, as before the state machine had its own type.
    private readonly IdempotentCallLedger _attempts = new(ledger, synthflow, callsOptions, synthflowOptions, timeProvider, logger);

    public async Task<MakeCallOutcome> MakeCallAsync(MakeCallCommand command, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (idempotencyKey is null)
        {
            return await PlaceAsync(command, claim: null, cancellationToken).ConfigureAwait(false);
        }

        var attempt = await _attempts.ClaimAsync(idempotencyKey, command, cancellationToken).ConfigureAwait(false);
        return attempt.Claim is { } claim
            ? await PlaceAsync(command, claim, cancellationToken).ConfigureAwait(false)
            : attempt.Settled!;
    }

    public async Task<CallDetails> GetCallAsync(string callId, CancellationToken cancellationToken)
    {
        var call = await synthflow.GetCallAsync(callId, cancellationToken).ConfigureAwait(false);
        return new CallDetails
        {
            CallId = call.CallId,
            ModelId = call.ModelId,
            Status = call.EffectiveStatus,
            EndCallReason = call.EndCallReason,
            Duration = call.Duration,
            FromPhoneNumber = call.PhoneNumberFrom,
            ToPhoneNumber = call.PhoneNumberTo ?? call.LeadPhoneNumber,
            RecordingUrl = call.RecordingUrl,
            StartTime = call.StartTime,
        };
    }

    /// <summary>Chooses the caller ID and places the call; with a <paramref name="claim"/>, records how it ended.</summary>
    private async Task<MakeCallOutcome> PlaceAsync(MakeCallCommand command, CallClaim? claim, CancellationToken cancellationToken)
    {
        CallerIdChoice choice;
        try
        {
            choice = await ChooseCallerIdAsync(command, cancellationToken).ConfigureAwait(false);
        }
        catch (CallerIdException callerIdError)
        {
            await ReleaseAsync(claim).ConfigureAwait(false);
            return new MakeCallOutcome(null, new CallFailure(callerIdError.Kind, callerIdError.Message, callerIdError.Field));
        }
        catch (Exception)
        {
            // Nothing was placed: free the key so a retry can use it.
            await ReleaseAsync(claim).ConfigureAwait(false);
            throw;
        }

        var request = new PlaceCallRequest
        {
            ModelId = command.ModelId,
            Phone = command.Phone,
            Name = command.Name,
            FromPhoneNumber = choice.FromPhoneNumber,
            CustomVariables = command.CustomVariables,
            LeadEmail = command.LeadEmail,
            LeadTimezone = command.LeadTimezone,
            Prompt = command.Prompt,
            Greeting = command.Greeting,
            ExternalWebhookUrl = WebhookUrl(command)?.AbsoluteUri,
        };

        PacingSlot? slot = null;
        if (pacer is not null)
        {
            try
            {
                slot = await pacer.AcquireAsync(pacer.Limits.MaxWait, cancellationToken).ConfigureAwait(false);
            }
            catch (PacingUnavailableException busy)
            {
                await ReleaseAsync(claim).ConfigureAwait(false);
                return new MakeCallOutcome(null, new CallFailure(CallFailureKind.PacingUnavailable, busy.Message, RetryAfter: busy.RetryAfter));
            }
            catch (Exception)
            {
                await ReleaseAsync(claim).ConfigureAwait(false);
                throw;
            }
        }

        CallPlaced placed;
        try
        {
            try
            {
                placed = await synthflow.PlaceCallAsync(request, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                // Answered or failed: the start leaves the pacer's local send window a second from now.
                if (slot is not null)
                {
                    pacer!.Answered(slot);
                }
            }
        }
        catch (SynthflowApiException refused)
        {
            // Synthflow answered with an error: no call exists, the key and the pacing slot are free again. A 429 means
            // the account is at its limit whatever our record says: every instance holds back for its Retry-After.
            await ReleaseSlotAsync(slot).ConfigureAwait(false);
            if (refused.StatusCode == System.Net.HttpStatusCode.TooManyRequests && slot is not null)
            {
                await BackOffAsync(refused.RetryAfter).ConfigureAwait(false);
            }

            await ReleaseAsync(claim).ConfigureAwait(false);
            throw;
        }
        catch (Exception exception) when (claim is { } unknown && exception is SynthflowTransportException or OperationCanceledException)
        {
            // No answer: the call may exist. Record that, so the retry looks before it dials.
            await _attempts.MarkUnknownAsync(unknown, choice).ConfigureAwait(false);
            throw;
        }

        LogPlaced(logger, placed.CallId, new MaskedPhoneNumber(command.Phone), new MaskedPhoneNumber(choice.FromPhoneNumber));
        var response = new MakeCallResponse
        {
            CallId = placed.CallId,
            FromPhoneNumber = choice.FromPhoneNumber,
            CallerIdStrategy = command.FromPhoneNumber is not null ? "explicit" : choice.Strategy.ToName(),
            CallerIdReason = choice.Reason,
            Eta = placed.Eta,
            IdempotentReplay = false,
        };
        await BindSlotAsync(slot, placed.CallId).ConfigureAwait(false);
        await RecordPlacedAsync(command, claim?.Key, placed.CallId, choice.FromPhoneNumber, slot).ConfigureAwait(false);
        if (claim is { } done)
        {
            await _attempts.CompleteAsync(done, response).ConfigureAwait(false);
        }

        return new MakeCallOutcome(response, null);
    }

    private async Task<CallerIdChoice> ChooseCallerIdAsync(MakeCallCommand command, CancellationToken cancellationToken)
    {
        var agent = await agents.GetAgentCachedAsync(command.ModelId, cancellationToken).ConfigureAwait(false);
        var attached = (agent.AttachedPhoneNumbers ?? []).Select(n => n.Number).ToList();
        return await callerId.ChooseAsync(
            command.ModelId,
            attached,
            command.Phone,
            command.FromPhoneNumber,
            command.CallerIdStrategy ?? callsOptions.Value.DefaultStrategy,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Where Synthflow posts the webhook: the connector's receiver; without one (live mode without a public address), the
    /// request's own URL, so its caller still hears of the end.
    /// </summary>
    private Uri? WebhookUrl(MakeCallCommand command) => webhookReceiver?.ReceiverUrl ?? command.ForwardWebhookUrl;

    /// <summary>Records the call for the trigger's sweep and enrichment. The call was placed: a failure here is logged, never raised.</summary>
    private async Task RecordPlacedAsync(MakeCallCommand command, string? idempotencyKey, string callId, string? fromPhoneNumber, PacingSlot? slot)
    {
        if (placedCalls is null)
        {
            return;
        }

        var placed = new PlacedCall
        {
            CallId = callId,
            ModelId = command.ModelId,
            PlacedAt = timeProvider.GetUtcNow(),
            IdempotencyKey = idempotencyKey,
            ForwardUrl = webhookReceiver?.ReceiverUrl is null ? null : command.ForwardWebhookUrl,
            ToPhoneNumber = command.Phone,
            FromPhoneNumber = fromPhoneNumber,
            PacingSlotId = slot is { SlotId.Length: > 0 } paced ? paced.SlotId : null,
        };
        try
        {
            // Not the request's token: the call exists whether or not the caller still waits for the answer.
            await placedCalls.AddAsync(placed, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error)
        {
            LogNotRecorded(logger, callId, error.GetType().Name);
        }
    }

    /// <summary>Pushes the account's next start back after a 429. A failure is logged: the caller still sees the 429.</summary>
    private async Task BackOffAsync(TimeSpan? retryAfter)
    {
        try
        {
            await pacer!.BackOffAsync(retryAfter, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error) when (error is StoreUnavailableException or StoreContentionException)
        {
            LogNotBackedOff(logger, error.GetType().Name);
        }
    }

    /// <summary>The call exists: its slot is now its own (so its end frees it). A failure is logged; the unbound slot then expires.</summary>
    private async Task BindSlotAsync(PacingSlot? slot, string callId)
    {
        if (pacer is null || slot is null)
        {
            return;
        }

        try
        {
            await pacer.BindAsync(slot, callId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error) when (error is StoreUnavailableException or StoreContentionException)
        {
            LogNotBound(logger, callId, error.GetType().Name);
        }
    }

    /// <summary>Nothing was placed: the slot goes back at once. A failure is logged; the slot then expires.</summary>
    private async Task ReleaseSlotAsync(PacingSlot? slot)
    {
        if (pacer is null || slot is null)
        {
            return;
        }

        try
        {
            await pacer.ReleaseAsync(slot.SlotId, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception error) when (error is StoreUnavailableException or StoreContentionException)
        {
            LogNotReleased(logger, error.GetType().Name);
        }
    }

    /// <summary>Frees a claimed key (no call was placed); nothing to do without a key.</summary>
    private Task ReleaseAsync(CallClaim? claim) => claim is null ? Task.CompletedTask : _attempts.ReleaseAsync(claim);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Placed call {CallId} but could not record it for the call-ended trigger ({Error}); its webhook still counts, the sweep will not look for it")]
    private static partial void LogNotRecorded(ILogger logger, string callId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Placed call {CallId} but could not bind its pacing slot ({Error}); the slot expires in 2 minutes")]
    private static partial void LogNotBound(ILogger logger, string callId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Synthflow refused a call but its pacing slot could not be freed ({Error}); it expires in 2 minutes")]
    private static partial void LogNotReleased(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not hold the account's pacing back after Synthflow's 429 ({Error}); the next starts keep their slots")]
    private static partial void LogNotBackedOff(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Placed call {CallId} to {Recipient} from {From}")]
    private static partial void LogPlaced(ILogger logger, string callId, MaskedPhoneNumber recipient, MaskedPhoneNumber from);
}
