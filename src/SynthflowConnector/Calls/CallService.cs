using System.Security.Cryptography;
using System.Text;
using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SynthflowConnector.Agents;
using SynthflowConnector.Http;
using SynthflowConnector.PhoneNumbers;
using SynthflowConnector.Storage;
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

/// <summary>What the make-a-call action answers: a result, or a problem (nothing placed, or outcome unknown).</summary>
public sealed record MakeCallOutcome(MakeCallResponse? Response, ProblemResult? Problem);

/// <summary>
/// Places calls with caller-ID choice and idempotency. A key's ledger row is claimed (insert-if-absent) before
/// anything is sent, so concurrent duplicates cannot both dial; a lost answer is resolved by looking the call up
/// before any new attempt.
/// </summary>
public sealed partial class CallService(
    ISynthflowClient synthflow,
    AgentPhoneNumberService agents,
    CallerIdService callerId,
    ConnectorTables tables,
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
            return await PlaceAsync(command, ledgerEntry: null, cancellationToken).ConfigureAwait(false);
        }

        var table = await tables.GetAsync(callsOptions.Value.TableName, cancellationToken).ConfigureAwait(false);
        var hash = command.Hash();
        var (partition, row) = LedgerKeys(idempotencyKey);
        for (var race = 0; race < MaxLedgerRaces; race++)
        {
            var now = timeProvider.GetUtcNow();
            var claim = NewClaim(partition, row, hash, command, now);
            try
            {
                var added = await table.AddEntityAsync(claim, cancellationToken).ConfigureAwait(false);
                claim.ETag = added.Headers.ETag ?? ETag.All;
                return await PlaceAsync(command, (table, claim), cancellationToken).ConfigureAwait(false);
            }
            catch (TableConcurrencyException)
            {
                // The key is known: decide from what the ledger says.
            }

            var existing = await table.GetEntityIfExistsAsync<CallLedgerEntity>(partition, row, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!existing.HasValue)
            {
                continue; // Deleted in between (the other attempt failed cleanly): claim again.
            }

            var entry = existing.Value!;
            if (entry.ExpiresAt <= now)
            {
                if (await TryTakeOverAsync(table, entry, claim, cancellationToken).ConfigureAwait(false))
                {
                    return await PlaceAsync(command, (table, claim), cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            if (!string.Equals(entry.RequestHash, hash, StringComparison.Ordinal))
            {
                return new MakeCallOutcome(null, Problems.Field(
                    "Idempotency-Key",
                    "This Idempotency-Key was already used for a different call request. Use a new key for a new call.",
                    422));
            }

            switch (entry.State)
            {
                case CallLedgerStates.Completed:
                    return new MakeCallOutcome(Replay(entry), null);
                case CallLedgerStates.InFlight when entry.LeaseUntil > now:
                    return new MakeCallOutcome(null, Problems.Create(
                        409,
                        "in-flight",
                        "A request with this Idempotency-Key is still in progress.",
                        "Retry after the indicated delay to get its result.",
                        retryAfter: entry.LeaseUntil - now));
                default:
                    var resolved = await ResolveAsync(table, entry, claim, command, cancellationToken).ConfigureAwait(false);
                    if (resolved is not null)
                    {
                        return resolved;
                    }

                    continue;
            }
        }

        return new MakeCallOutcome(null, Problems.Create(409, "in-flight", "The Idempotency-Key is contended by concurrent requests.", "Retry shortly.", retryAfter: TimeSpan.FromSeconds(1)));
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
    private async Task<MakeCallOutcome?> ResolveAsync(TableClient table, CallLedgerEntity entry, CallLedgerEntity claim, MakeCallCommand command, CancellationToken cancellationToken)
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
            return new MakeCallOutcome(null, Problems.Create(
                503,
                "outcome-unknown",
                "An earlier attempt with this Idempotency-Key may have placed the call, and Synthflow cannot be asked right now.",
                "No new call was placed. Retry later with the same Idempotency-Key.",
                retryAfter: TimeSpan.FromSeconds(30)));
        }

        if (found is not null)
        {
            entry.State = CallLedgerStates.Completed;
            entry.CallId = found.CallId;
            entry.FromPhoneNumber ??= found.PhoneNumberFrom;
            entry.CallerIdStrategy ??= (command.CallerIdStrategy ?? callsOptions.Value.DefaultStrategy).ToName();
            entry.CallerIdReason = "The earlier attempt's answer was lost; its call was found at Synthflow and adopted.";
            try
            {
                await table.UpdateEntityAsync(entry, entry.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            }
            catch (TableConcurrencyException)
            {
                return null;
            }

            LogAdopted(logger, found.CallId, new MaskedPhoneNumber(entry.Phone));
            return new MakeCallOutcome(Replay(entry), null);
        }

        return await TryTakeOverAsync(table, entry, claim, cancellationToken).ConfigureAwait(false)
            ? await PlaceAsync(command, (table, claim), cancellationToken).ConfigureAwait(false)
            : null;
    }

    private static async Task<bool> TryTakeOverAsync(TableClient table, CallLedgerEntity entry, CallLedgerEntity claim, CancellationToken cancellationToken)
    {
        try
        {
            var updated = await table.UpdateEntityAsync(claim, entry.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            claim.ETag = updated.Headers.ETag ?? ETag.All;
            return true;
        }
        catch (TableConcurrencyException)
        {
            return false;
        }
    }

    private async Task<MakeCallOutcome> PlaceAsync(MakeCallCommand command, (TableClient Table, CallLedgerEntity Entry)? ledgerEntry, CancellationToken cancellationToken)
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
            await ReleaseAsync(ledgerEntry).ConfigureAwait(false);
            return new MakeCallOutcome(null, Problems.Field(callerIdError.Field, callerIdError.Message, callerIdError.Status));
        }
        catch (Exception)
        {
            // Nothing was placed: free the key so a retry can use it.
            await ReleaseAsync(ledgerEntry).ConfigureAwait(false);
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
            await ReleaseAsync(ledgerEntry).ConfigureAwait(false);
            throw;
        }
        catch (Exception exception) when (ledgerEntry is { } ledger && exception is SynthflowTransportException or OperationCanceledException)
        {
            // No answer: the call may exist. Record that, so the retry looks before it dials.
            ledger.Entry.State = CallLedgerStates.Unknown;
            ledger.Entry.FromPhoneNumber = choice.FromPhoneNumber;
            ledger.Entry.CallerIdStrategy = choice.Strategy.ToName();
            ledger.Entry.CallerIdReason = choice.Reason;
            await SaveAsync(ledger.Table, ledger.Entry).ConfigureAwait(false);
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
        if (ledgerEntry is { } done)
        {
            done.Entry.State = CallLedgerStates.Completed;
            done.Entry.CallId = placed.CallId;
            done.Entry.FromPhoneNumber = choice.FromPhoneNumber;
            done.Entry.CallerIdStrategy = response.CallerIdStrategy;
            done.Entry.CallerIdReason = choice.Reason;
            done.Entry.Eta = placed.Eta;
            await SaveAsync(done.Table, done.Entry).ConfigureAwait(false);
        }

        return new MakeCallOutcome(response, null);

        string explicitOr(CallerIdChoice c) => command.FromPhoneNumber is not null ? "explicit" : c.Strategy.ToName();
    }

    private static MakeCallResponse Replay(CallLedgerEntity entry) => new()
    {
        CallId = entry.CallId!,
        FromPhoneNumber = entry.FromPhoneNumber,
        CallerIdStrategy = entry.CallerIdStrategy ?? CallerIdStrategies.SynthflowDefault,
        CallerIdReason = entry.CallerIdReason ?? string.Empty,
        Eta = entry.Eta,
        IdempotentReplay = true,
    };

    private CallLedgerEntity NewClaim(string partition, string row, string hash, MakeCallCommand command, DateTimeOffset now) => new()
    {
        PartitionKey = partition,
        RowKey = row,
        RequestHash = hash,
        State = CallLedgerStates.InFlight,
        ModelId = command.ModelId,
        Phone = command.Phone,
        AttemptStartedAt = now,
        LeaseUntil = now + Lease,
        ExpiresAt = now + callsOptions.Value.IdempotencyKeyTtl,
    };

    /// <summary>
    /// Writes the ledger row after Synthflow answered. Not cancellable by the caller: the outcome must be recorded even
    /// if the client went away. If storage fails the call still stands; the retry resolves it by lookup.
    /// </summary>
    private async Task SaveAsync(TableClient table, CallLedgerEntity entry)
    {
        try
        {
            await table.UpdateEntityAsync(entry, entry.ETag, TableUpdateMode.Replace, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RequestFailedException exception)
        {
            LogLedgerWriteFailed(logger, entry.State, exception.Status);
        }
    }

    /// <summary>Frees a claimed key (no call was placed); nothing to do without a key.</summary>
    private async Task ReleaseAsync((TableClient Table, CallLedgerEntity Entry)? ledger)
    {
        if (ledger is not { Table: var table, Entry: var entry })
        {
            return;
        }

        try
        {
            await table.DeleteEntityAsync(entry.PartitionKey, entry.RowKey, entry.ETag, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RequestFailedException exception)
        {
            LogLedgerWriteFailed(logger, "released", exception.Status);
        }
    }

    /// <summary>Keys are hashed: any text is a valid key, and table keys stay within the service's character rules.</summary>
    internal static (string Partition, string Row) LedgerKeys(string idempotencyKey)
    {
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)));
        return ("ledger-" + digest[..2], digest);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Placed call {CallId} to {Recipient} from {From}")]
    private static partial void LogPlaced(ILogger logger, string callId, MaskedPhoneNumber recipient, MaskedPhoneNumber from);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Adopted call {CallId} to {Recipient}: an earlier attempt's answer was lost")]
    private static partial void LogAdopted(ILogger logger, string callId, MaskedPhoneNumber recipient);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not resolve an earlier attempt's outcome for {Recipient}: {Reason}")]
    private static partial void LogUnresolved(ILogger logger, MaskedPhoneNumber recipient, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record the idempotency ledger state '{State}' (storage status {Status}); a retry will resolve it by lookup")]
    private static partial void LogLedgerWriteFailed(ILogger logger, string state, int status);
}
