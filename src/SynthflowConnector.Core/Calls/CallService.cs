using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Agents;
using SynthflowConnector.PhoneNumbers;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Calls;

/// <summary>A validated make-a-call request.</summary>
public sealed record MakeCallCommand
{
    public required string ModelId { get; init; }
    public required string Phone { get; init; }
    public required string Name { get; init; }
    public string? FromPhoneNumber { get; init; }
    public CallerIdStrategy? CallerIdStrategy { get; init; }
    public IReadOnlyList<CustomVariable>? CustomVariables { get; init; }
    public string? LeadEmail { get; init; }
    public string? LeadTimezone { get; init; }
    public string? Prompt { get; init; }
    public string? Greeting { get; init; }

    /// <summary>A digest of everything asked, so a key reused for a different call is recognised.</summary>
    public string Hash()
    {
        var canonical = new StringBuilder()
            .Append(ModelId).Append('\u001f').Append(Phone).Append('\u001f').Append(Name).Append('\u001f')
            .Append(FromPhoneNumber).Append('\u001f').Append(CallerIdStrategy?.ToName()).Append('\u001f')
            .Append(LeadEmail).Append('\u001f').Append(LeadTimezone).Append('\u001f')
            .Append(Prompt).Append('\u001f').Append(Greeting).Append('\u001f');
        foreach (var variable in (CustomVariables ?? []).OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            canonical.Append(variable.Key).Append('\u001e').Append(variable.Value).Append('\u001f');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical.ToString())));
    }
}

/// <summary>
/// Places calls with caller-ID choice and idempotency. A key's ledger row is claimed (insert-if-absent) before
/// anything is sent, so concurrent duplicates cannot both dial; a lost answer is resolved by looking the call up
/// before any new attempt.
/// </summary>
public sealed partial class CallService(
    ISynthflowClient synthflow,
    AgentPhoneNumberService agents,
    CallerIdService callerId,
    ICallLedger ledger,
    IOptions<CallsOptions> callsOptions,
    IOptions<SynthflowOptions> synthflowOptions,
    TimeProvider timeProvider,
    ILogger<CallService> logger)
{
    private const int MaxLedgerRaces = 5;

    /// <summary>How far before an attempt's start a found call still counts as that attempt's (clock skew).</summary>
    private static readonly TimeSpan LookupSkew = TimeSpan.FromMinutes(2);

    private TimeSpan Lease => synthflowOptions.Value.Timeout + TimeSpan.FromSeconds(30);

    public async Task<MakeCallOutcome> MakeCallAsync(MakeCallCommand command, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (idempotencyKey is null)
        {
            return await PlaceAsync(command, claimed: null, cancellationToken).ConfigureAwait(false);
        }

        var hash = command.Hash();
        for (var race = 0; race < MaxLedgerRaces; race++)
        {
            var now = timeProvider.GetUtcNow();
            var claim = NewClaim(hash, command, now);
            var added = await ledger.TryAddAsync(idempotencyKey, claim, cancellationToken).ConfigureAwait(false);
            if (added is not null)
            {
                return await PlaceAsync(command, new Claimed(idempotencyKey, added), cancellationToken).ConfigureAwait(false);
            }

            // The key is known: decide from what the ledger says.
            var entry = await ledger.GetAsync(idempotencyKey, cancellationToken).ConfigureAwait(false);
            if (entry is null)
            {
                continue; // Deleted in between (the other attempt failed cleanly): claim again.
            }

            if (entry.ExpiresAt <= now)
            {
                if (await TryTakeOverAsync(idempotencyKey, entry, claim, cancellationToken).ConfigureAwait(false) is { } taken)
                {
                    return await PlaceAsync(command, taken, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            if (!string.Equals(entry.RequestHash, hash, StringComparison.Ordinal))
            {
                return new MakeCallOutcome(null, new CallFailure(
                    CallFailureKind.IdempotencyKeyReused,
                    "This Idempotency-Key was already used for a different call request. Use a new key for a new call.",
                    "Idempotency-Key"));
            }

            switch (entry.State)
            {
                case CallLedgerStates.Completed:
                    return new MakeCallOutcome(Replay(entry), null);
                case CallLedgerStates.InFlight when entry.LeaseUntil > now:
                    return new MakeCallOutcome(null, new CallFailure(
                        CallFailureKind.IdempotencyKeyInFlight,
                        "A request with this Idempotency-Key is still in progress. Retry after the indicated delay to get its result.",
                        RetryAfter: entry.LeaseUntil - now));
                default:
                    var resolved = await ResolveAsync(idempotencyKey, entry, claim, command, cancellationToken).ConfigureAwait(false);
                    if (resolved is not null)
                    {
                        return resolved;
                    }

                    continue;
            }
        }

        return new MakeCallOutcome(null, new CallFailure(
            CallFailureKind.IdempotencyKeyContended,
            "The Idempotency-Key is contended by concurrent requests. Retry shortly.",
            RetryAfter: TimeSpan.FromSeconds(1)));
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

    /// <summary>
    /// An earlier attempt's outcome is unknown (answer lost, or its process died): look for the call it may have
    /// placed. Found: adopt it. Provably absent (Synthflow answered, no such call): claim the key and place anew.
    /// Returns null when the ledger moved meanwhile and the caller should read it again.
    /// </summary>
    private async Task<MakeCallOutcome?> ResolveAsync(string idempotencyKey, CallLedgerEntry entry, CallLedgerEntry claim, MakeCallCommand command, CancellationToken cancellationToken)
    {
        SynthflowCall? found = null;
        var since = entry.AttemptStartedAt - LookupSkew;
        try
        {
            await foreach (var call in synthflow.ListCallsAsync(new CallSearch { ModelId = entry.ModelId, LeadPhoneNumber = entry.Phone, From = since }, cancellationToken).ConfigureAwait(false))
            {
                if (call.StartTime is null || call.StartTime >= since)
                {
                    found = found is null || (call.StartTime ?? DateTimeOffset.MaxValue) < (found.StartTime ?? DateTimeOffset.MaxValue) ? call : found;
                }
            }
        }
        catch (SynthflowException exception)
        {
            LogUnresolved(logger, new MaskedPhoneNumber(entry.Phone), exception.Message);
            return new MakeCallOutcome(null, new CallFailure(
                CallFailureKind.OutcomeUnknown,
                "An earlier attempt with this Idempotency-Key may have placed the call, and Synthflow cannot be asked right now. No new call was placed. Retry later with the same Idempotency-Key.",
                RetryAfter: TimeSpan.FromSeconds(30)));
        }

        if (found is not null)
        {
            var adopted = entry with
            {
                State = CallLedgerStates.Completed,
                CallId = found.CallId,
                FromPhoneNumber = entry.FromPhoneNumber ?? found.PhoneNumberFrom,
                CallerIdStrategy = entry.CallerIdStrategy ?? (command.CallerIdStrategy ?? callsOptions.Value.DefaultStrategy).ToName(),
                CallerIdReason = "The earlier attempt's answer was lost; its call was found at Synthflow and adopted.",
            };
            if (await ledger.TryReplaceAsync(idempotencyKey, adopted, entry.Version, cancellationToken).ConfigureAwait(false) is null)
            {
                return null;
            }

            LogAdopted(logger, found.CallId, new MaskedPhoneNumber(entry.Phone));
            return new MakeCallOutcome(Replay(adopted), null);
        }

        return await TryTakeOverAsync(idempotencyKey, entry, claim, cancellationToken).ConfigureAwait(false) is { } taken
            ? await PlaceAsync(command, taken, cancellationToken).ConfigureAwait(false)
            : null;
    }

    /// <summary>Replaces an expired or unresolved entry with this attempt's claim, if nobody moved it meanwhile.</summary>
    private async Task<Claimed?> TryTakeOverAsync(string idempotencyKey, CallLedgerEntry entry, CallLedgerEntry claim, CancellationToken cancellationToken) =>
        await ledger.TryReplaceAsync(idempotencyKey, claim, entry.Version, cancellationToken).ConfigureAwait(false) is { } stored
            ? new Claimed(idempotencyKey, stored)
            : null;

    private async Task<MakeCallOutcome> PlaceAsync(MakeCallCommand command, Claimed? claimed, CancellationToken cancellationToken)
    {
        CallerIdChoice choice;
        try
        {
            var agent = await agents.GetAgentCachedAsync(command.ModelId, cancellationToken).ConfigureAwait(false);
            var attached = (agent.AttachedPhoneNumbers ?? []).Select(n => n.Number).ToList();
            choice = await callerId.ChooseAsync(
                command.ModelId,
                attached,
                command.Phone,
                command.FromPhoneNumber,
                command.CallerIdStrategy ?? callsOptions.Value.DefaultStrategy,
                cancellationToken).ConfigureAwait(false);
        }
        catch (CallerIdException callerIdError)
        {
            await ReleaseAsync(claimed).ConfigureAwait(false);
            return new MakeCallOutcome(null, new CallFailure(callerIdError.Kind, callerIdError.Message, callerIdError.Field));
        }
        catch (Exception)
        {
            // Nothing was placed: free the key so a retry can use it.
            await ReleaseAsync(claimed).ConfigureAwait(false);
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
        };

        CallPlaced placed;
        try
        {
            placed = await synthflow.PlaceCallAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (SynthflowApiException)
        {
            // Synthflow answered with an error: no call exists, the key is free again.
            await ReleaseAsync(claimed).ConfigureAwait(false);
            throw;
        }
        catch (Exception exception) when (claimed is { } unknown && exception is SynthflowTransportException or OperationCanceledException)
        {
            // No answer: the call may exist. Record that, so the retry looks before it dials.
            await SaveAsync(unknown, unknown.Entry with
            {
                State = CallLedgerStates.Unknown,
                FromPhoneNumber = choice.FromPhoneNumber,
                CallerIdStrategy = choice.Strategy.ToName(),
                CallerIdReason = choice.Reason,
            }).ConfigureAwait(false);
            throw;
        }

        LogPlaced(logger, placed.CallId, new MaskedPhoneNumber(command.Phone), new MaskedPhoneNumber(choice.FromPhoneNumber));
        var response = new MakeCallResponse
        {
            CallId = placed.CallId,
            FromPhoneNumber = choice.FromPhoneNumber,
            CallerIdStrategy = explicitOr(choice),
            CallerIdReason = choice.Reason,
            Eta = placed.Eta,
            IdempotentReplay = false,
        };
        if (claimed is { } done)
        {
            await SaveAsync(done, done.Entry with
            {
                State = CallLedgerStates.Completed,
                CallId = placed.CallId,
                FromPhoneNumber = choice.FromPhoneNumber,
                CallerIdStrategy = response.CallerIdStrategy,
                CallerIdReason = choice.Reason,
                Eta = placed.Eta,
            }).ConfigureAwait(false);
        }

        return new MakeCallOutcome(response, null);

        string explicitOr(CallerIdChoice c) => command.FromPhoneNumber is not null ? "explicit" : c.Strategy.ToName();
    }

    private static MakeCallResponse Replay(CallLedgerEntry entry) => new()
    {
        CallId = entry.CallId!,
        FromPhoneNumber = entry.FromPhoneNumber,
        CallerIdStrategy = entry.CallerIdStrategy ?? CallerIdStrategies.SynthflowDefault,
        CallerIdReason = entry.CallerIdReason ?? string.Empty,
        Eta = entry.Eta,
        IdempotentReplay = true,
    };

    private CallLedgerEntry NewClaim(string hash, MakeCallCommand command, DateTimeOffset now) => new()
    {
        RequestHash = hash,
        State = CallLedgerStates.InFlight,
        ModelId = command.ModelId,
        Phone = command.Phone,
        AttemptStartedAt = now,
        LeaseUntil = now + Lease,
        ExpiresAt = now + callsOptions.Value.IdempotencyKeyTtl,
    };

    /// <summary>
    /// Writes the ledger entry after Synthflow answered. Not cancellable by the caller: the outcome must be recorded even
    /// if the client went away. If storage fails the call still stands; the retry resolves it by lookup.
    /// </summary>
    private async Task SaveAsync(Claimed claimed, CallLedgerEntry entry)
    {
        try
        {
            if (await ledger.TryReplaceAsync(claimed.Key, entry, claimed.Entry.Version, CancellationToken.None).ConfigureAwait(false) is null)
            {
                LogLedgerWriteFailed(logger, entry.State, "the entry was taken over meanwhile");
            }
        }
        catch (StoreUnavailableException exception)
        {
            LogLedgerWriteFailed(logger, entry.State, exception.Message);
        }
    }

    /// <summary>Frees a claimed key (no call was placed); nothing to do without a key.</summary>
    private async Task ReleaseAsync(Claimed? claimed)
    {
        if (claimed is null)
        {
            return;
        }

        try
        {
            await ledger.TryDeleteAsync(claimed.Key, claimed.Entry.Version, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreUnavailableException exception)
        {
            LogLedgerWriteFailed(logger, "released", exception.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Placed call {CallId} to {Recipient} from {From}")]
    private static partial void LogPlaced(ILogger logger, string callId, MaskedPhoneNumber recipient, MaskedPhoneNumber from);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Adopted call {CallId} to {Recipient}: an earlier attempt's answer was lost")]
    private static partial void LogAdopted(ILogger logger, string callId, MaskedPhoneNumber recipient);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not resolve an earlier attempt's outcome for {Recipient}: {Reason}")]
    private static partial void LogUnresolved(ILogger logger, MaskedPhoneNumber recipient, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record the idempotency ledger state '{State}' ({Reason}); a retry will resolve it by lookup")]
    private static partial void LogLedgerWriteFailed(ILogger logger, string state, string reason);

    /// <summary>A ledger entry this request holds, at the version it stored.</summary>
    private sealed record Claimed(string Key, CallLedgerEntry Entry);
}
