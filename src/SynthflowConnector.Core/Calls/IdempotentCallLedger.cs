using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.PhoneNumbers;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Calls;

/// <summary>A ledger entry this request holds, at the version it stored: whoever holds it may place the call.</summary>
internal sealed record CallClaim(string Key, CallLedgerEntry Entry);

/// <summary>What claiming a key gave: either this request holds the key and must place the call, or the answer is settled.</summary>
internal sealed record CallClaimResult
{
    private CallClaimResult()
    {
    }

    /// <summary>Set when this request holds the key: place the call, then complete, mark unknown or release.</summary>
    public CallClaim? Claim { get; private init; }

    /// <summary>Set when no call may be placed now: a replay of the earlier result, or why not.</summary>
    public MakeCallOutcome? Settled { get; private init; }

    public static CallClaimResult Held(CallClaim claim) => new() { Claim = claim };

    public static CallClaimResult Answered(MakeCallOutcome outcome) => new() { Settled = outcome };
}

/// <summary>
/// The idempotency state machine over <see cref="ICallLedger"/>. A key's entry is claimed (insert-if-absent) before
/// anything is sent, so concurrent duplicates cannot both dial: a completed entry is replayed, one for another request
/// is refused, a live in-flight one is waited for, an expired one is taken over, and an unknown outcome (answer lost,
/// or its process died) is resolved by looking the call up at Synthflow before any new attempt. Every change is a
/// conditional write on the entry's version; losing a race means reading again, never placing twice.
/// </summary>
internal sealed partial class IdempotentCallLedger(
    ICallLedger ledger,
    ISynthflowClient synthflow,
    IOptions<CallsOptions> callsOptions,
    IOptions<SynthflowOptions> synthflowOptions,
    TimeProvider timeProvider,
    ILogger logger)
{
    private const int MaxLedgerRaces = 5;

    /// <summary>How far before an attempt's start a found call still counts as that attempt's (clock skew).</summary>
    private static readonly TimeSpan LookupSkew = TimeSpan.FromMinutes(2);

    /// <summary>How long a claim blocks duplicates: one Synthflow attempt plus headroom to record its answer.</summary>
    internal TimeSpan Lease => synthflowOptions.Value.Timeout + TimeSpan.FromSeconds(30);

    /// <summary>Claims <paramref name="idempotencyKey"/> for <paramref name="command"/>, or settles the answer from the ledger.</summary>
    public async Task<CallClaimResult> ClaimAsync(string idempotencyKey, MakeCallCommand command, CancellationToken cancellationToken)
    {
        var hash = command.Hash();
        for (var race = 0; race < MaxLedgerRaces; race++)
        {
            var now = timeProvider.GetUtcNow();
            var claim = NewClaim(hash, command, now);
            var added = await ledger.TryAddAsync(idempotencyKey, claim, cancellationToken).ConfigureAwait(false);
            if (added is not null)
            {
                return CallClaimResult.Held(new CallClaim(idempotencyKey, added));
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
                    return CallClaimResult.Held(taken);
                }

                continue;
            }

            if (!string.Equals(entry.RequestHash, hash, StringComparison.Ordinal))
            {
                return CallClaimResult.Answered(new MakeCallOutcome(null, new CallFailure(
                    CallFailureKind.IdempotencyKeyReused,
                    "This Idempotency-Key was already used for a different call request. Use a new key for a new call.",
                    "Idempotency-Key")));
            }

            switch (entry.State)
            {
                case CallLedgerStates.Completed:
                    return CallClaimResult.Answered(new MakeCallOutcome(Replay(entry), null));
                case CallLedgerStates.InFlight when entry.LeaseUntil > now:
                    return CallClaimResult.Answered(new MakeCallOutcome(null, new CallFailure(
                        CallFailureKind.IdempotencyKeyInFlight,
                        "A request with this Idempotency-Key is still in progress. Retry after the indicated delay to get its result.",
                        RetryAfter: entry.LeaseUntil - now)));
                default:
                    if (await ResolveAsync(idempotencyKey, entry, claim, command, cancellationToken).ConfigureAwait(false) is { } resolved)
                    {
                        return resolved;
                    }

                    continue;
            }
        }

        return CallClaimResult.Answered(new MakeCallOutcome(null, new CallFailure(
            CallFailureKind.IdempotencyKeyContended,
            "The Idempotency-Key is contended by concurrent requests. Retry shortly.",
            RetryAfter: TimeSpan.FromSeconds(1))));
    }

    /// <summary>Records the placed call, so retries with the key replay <paramref name="response"/>.</summary>
    public Task CompleteAsync(CallClaim claim, MakeCallResponse response) =>
        SaveAsync(claim, claim.Entry with
        {
            State = CallLedgerStates.Completed,
            CallId = response.CallId,
            FromPhoneNumber = response.FromPhoneNumber,
            CallerIdStrategy = response.CallerIdStrategy,
            CallerIdReason = response.CallerIdReason,
            Eta = response.Eta,
        });

    /// <summary>Records that Synthflow's answer was lost (the call may exist), so the retry looks before it dials.</summary>
    public Task MarkUnknownAsync(CallClaim claim, CallerIdChoice choice) =>
        SaveAsync(claim, claim.Entry with
        {
            State = CallLedgerStates.Unknown,
            FromPhoneNumber = choice.FromPhoneNumber,
            CallerIdStrategy = choice.Strategy.ToName(),
            CallerIdReason = choice.Reason,
        });

    /// <summary>Frees a claimed key (no call was placed), so a retry can use it. Not cancellable: it must happen.</summary>
    public async Task ReleaseAsync(CallClaim claim)
    {
        try
        {
            await ledger.TryDeleteAsync(claim.Key, claim.Entry.Version, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreUnavailableException exception)
        {
            LogLedgerWriteFailed(logger, "released", exception.Message);
        }
    }

    /// <summary>
    /// An earlier attempt's outcome is unknown (answer lost, or its process died): look for the call it may have
    /// placed. Found: adopt it. Provably absent (Synthflow answered, no such call): claim the key to place anew.
    /// Returns null when the ledger moved meanwhile and the caller should read it again.
    /// </summary>
    private async Task<CallClaimResult?> ResolveAsync(string idempotencyKey, CallLedgerEntry entry, CallLedgerEntry claim, MakeCallCommand command, CancellationToken cancellationToken)
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
            return CallClaimResult.Answered(new MakeCallOutcome(null, new CallFailure(
                CallFailureKind.OutcomeUnknown,
                "An earlier attempt with this Idempotency-Key may have placed the call, and Synthflow cannot be asked right now. No new call was placed. Retry later with the same Idempotency-Key.",
                RetryAfter: TimeSpan.FromSeconds(30))));
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
            return CallClaimResult.Answered(new MakeCallOutcome(Replay(adopted), null));
        }

        return await TryTakeOverAsync(idempotencyKey, entry, claim, cancellationToken).ConfigureAwait(false) is { } taken
            ? CallClaimResult.Held(taken)
            : null;
    }

    /// <summary>Replaces an expired or unresolved entry with this attempt's claim, if nobody moved it meanwhile.</summary>
    private async Task<CallClaim?> TryTakeOverAsync(string idempotencyKey, CallLedgerEntry entry, CallLedgerEntry claim, CancellationToken cancellationToken) =>
        await ledger.TryReplaceAsync(idempotencyKey, claim, entry.Version, cancellationToken).ConfigureAwait(false) is { } stored
            ? new CallClaim(idempotencyKey, stored)
            : null;

    /// <summary>
    /// Writes the ledger entry after Synthflow answered. Not cancellable by the caller: the outcome must be recorded even
    /// if the client went away. If storage fails the call still stands; the retry resolves it by lookup.
    /// </summary>
    private async Task SaveAsync(CallClaim claim, CallLedgerEntry entry)
    {
        try
        {
            if (await ledger.TryReplaceAsync(claim.Key, entry, claim.Entry.Version, CancellationToken.None).ConfigureAwait(false) is null)
            {
                LogLedgerWriteFailed(logger, entry.State, "the entry was taken over meanwhile");
            }
        }
        catch (StoreUnavailableException exception)
        {
            LogLedgerWriteFailed(logger, entry.State, exception.Message);
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Adopted call {CallId} to {Recipient}: an earlier attempt's answer was lost")]
    private static partial void LogAdopted(ILogger logger, string callId, MaskedPhoneNumber recipient);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not resolve an earlier attempt's outcome for {Recipient}: {Reason}")]
    private static partial void LogUnresolved(ILogger logger, MaskedPhoneNumber recipient, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record the idempotency ledger state '{State}' ({Reason}); a retry will resolve it by lookup")]
    private static partial void LogLedgerWriteFailed(ILogger logger, string state, string reason);
}
