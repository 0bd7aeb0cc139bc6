using Microsoft.Extensions.Logging;
using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Campaigns;

/// <summary>Why the pacer refused to wait for a slot.</summary>
public sealed class PacingUnavailableException(TimeSpan retryAfter, string message) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>A reserved start slot (and concurrency slot) for one call. An empty <see cref="SlotId"/> means unpaced (no limits set).</summary>
public sealed record PacingSlot(string SlotId, DateTimeOffset StartAt)
{
    /// <summary>The call's place in the local send window, until <see cref="AccountPacer.Answered"/>.</summary>
    internal SendTicket? Send { get; init; }
}

/// <summary>
/// Account-wide pacing: Synthflow__CallsPerSecond starts per second and Synthflow__MaxConcurrentCalls live calls,
/// shared through <see cref="IAccountPacingStore"/> by every instance, every campaign and Make a call.
/// GCRA: each reservation takes the start <c>max(now, NextStartAt)</c> and moves <c>NextStartAt</c> on by
/// <see cref="PacingLimits.Spacing"/>; the caller waits on the clock until its start. A reservation also takes a
/// concurrency slot in <c>Live</c> until the call ends (call-ended observer), Synthflow refuses it (released at once), a late
/// lookup finds it ended, or, never placed, it expires after <see cref="ReservationExpiry"/>. Every change is one
/// ETag-guarded replace of the one shared record, so instances on one storage account never overrun the limits together.
/// </summary>
public sealed partial class AccountPacer(
    IAccountPacingStore store,
    PacingLimits limits,
    PacingCoordinator coordinator,
    ISynthflowClient synthflow,
    TimeProvider timeProvider,
    ILogger<AccountPacer> logger)
{
    /// <summary>An unplaced reservation (no call id bound: the process died between reserve and place) is dropped after this.</summary>
    public static readonly TimeSpan ReservationExpiry = TimeSpan.FromMinutes(2);

    /// <summary>A live call is looked up at most once per this interval.</summary>
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(30);

    /// <summary>How often a caller waiting for a concurrency slot re-reads the shared record (local releases wake it at once).</summary>
    public static readonly TimeSpan FullPollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Retry-After when every concurrency slot stayed taken for the whole wait.</summary>
    public static readonly TimeSpan FullRetryAfter = TimeSpan.FromSeconds(10);

    /// <summary>A bound slot this old is dropped whatever its call says: no call lasts a day.</summary>
    public static readonly TimeSpan BoundExpiry = TimeSpan.FromHours(24);

    /// <summary>The back-off after a 429 without Retry-After.</summary>
    public static readonly TimeSpan DefaultBackOff = TimeSpan.FromSeconds(1);

    /// <summary>The longest back-off a Retry-After can ask for.</summary>
    public static readonly TimeSpan MaxBackOff = TimeSpan.FromMinutes(1);

    private const int MaxChecksPerRound = 5;
    private const int MaxWriteAttempts = 50;

    public PacingLimits Limits => limits;

    /// <summary>Waits (on the TimeProvider) until a start slot and a concurrency slot are ours; throws <see cref="PacingUnavailableException"/> when that would take longer than <paramref name="maxWait"/>.</summary>
    public async Task<PacingSlot> AcquireAsync(TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + (maxWait > TimeSpan.Zero ? maxWait : TimeSpan.Zero);
        if (!limits.IsPaced)
        {
            return new PacingSlot(string.Empty, timeProvider.GetUtcNow());
        }

        while (true)
        {
            var released = coordinator.NextRelease;
            var reserved = await ReserveAsync(deadline, cancellationToken).ConfigureAwait(false);
            var (slot, tooLate, checks) = reserved;
            if (reserved.NotBefore is { } notBefore)
            {
                await coordinator.SleepAsync(notBefore, release: null, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (slot is not null)
            {
                try
                {
                    await coordinator.SleepAsync(slot.StartAt, release: null, cancellationToken).ConfigureAwait(false);
                    slot = slot with { Send = await WaitForSendWindowAsync(cancellationToken).ConfigureAwait(false) };
                }
                catch (OperationCanceledException)
                {
                    await ReleaseAsync(slot.SlotId, CancellationToken.None).ConfigureAwait(false);
                    throw;
                }

                return slot;
            }

            if (tooLate is { } retryAfter)
            {
                LogTooLate(logger, retryAfter);
                throw new PacingUnavailableException(retryAfter, $"The account's call rate is booked for longer than {maxWait.TotalSeconds:0.#} s ahead; no call was placed.");
            }

            if (checks.Count > 0 && await CheckLiveCallsAsync(checks, cancellationToken).ConfigureAwait(false) > 0)
            {
                continue;
            }

            var now = timeProvider.GetUtcNow();
            if (now >= deadline)
            {
                LogFull(logger, limits.MaxConcurrentCalls ?? 0);
                throw new PacingUnavailableException(FullRetryAfter, $"All {limits.MaxConcurrentCalls} of the account's concurrent calls stayed in use for {maxWait.TotalSeconds:0.#} s; no call was placed.");
            }

            var wake = now + FullPollInterval < deadline ? now + FullPollInterval : deadline;
            await coordinator.SleepAsync(wake, released, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The last guard before the request leaves: the local send window (<see cref="PacingLimits.SendsPerWindow"/>). The
    /// start slots are spaced right, but a caller delayed between its slot and here (a slow storage answer, a busy CPU),
    /// or a request slow on its way, would otherwise make one rolling second at Synthflow hold one call too many.
    /// </summary>
    private async Task<SendTicket?> WaitForSendWindowAsync(CancellationToken cancellationToken)
    {
        if (limits.SendsPerWindow is not { } perWindow)
        {
            return null;
        }

        while (true)
        {
            var (ticket, retryAt) = coordinator.TryTakeSend(perWindow, PacingLimits.SendWindow);
            if (ticket is not null)
            {
                return ticket;
            }

            await coordinator.SleepAsync(retryAt, release: null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Synthflow answered the call's request (or it failed): from now its start leaves the local send window after a second. Call once per acquired slot.</summary>
    public void Answered(PacingSlot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        if (slot.Send is { } ticket)
        {
            coordinator.Answered(ticket);
        }
    }

    /// <summary>The call was placed: the slot now belongs to <paramref name="callId"/>.</summary>
    public Task BindAsync(PacingSlot slot, string callId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slot);
        ArgumentNullException.ThrowIfNull(callId);
        if (slot.SlotId.Length == 0 || limits.MaxConcurrentCalls is null)
        {
            return Task.CompletedTask;
        }

        return UpdateAsync(
            (state, now) =>
            {
                var live = new Dictionary<string, LiveCallSlot>(state.Live, StringComparer.Ordinal);
                live[slot.SlotId] = live.TryGetValue(slot.SlotId, out var held) ? held with { CallId = callId } : new LiveCallSlot { ReservedAt = now, CallId = callId };
                return state with { Live = live };
            },
            cancellationToken);
    }

    /// <summary>
    /// Synthflow answered 429 although the record had room (calls placed outside the connector, or its clock and ours
    /// disagree): no start, on any instance, before <paramref name="retryAfter"/> from now (none given: a second; at most a minute).
    /// </summary>
    public Task BackOffAsync(TimeSpan? retryAfter, CancellationToken cancellationToken)
    {
        if (limits.CallsPerSecond is null)
        {
            return Task.CompletedTask;
        }

        var wait = retryAfter is not { } asked || asked <= TimeSpan.Zero ? DefaultBackOff : asked > MaxBackOff ? MaxBackOff : asked;
        LogBackOff(logger, wait);
        return UpdateAsync((state, now) => state.NextStartAt < now + wait ? state with { NextStartAt = now + wait } : null, cancellationToken);
    }

    /// <summary>Frees the slot (no call was placed, or the call ended). Idempotent.</summary>
    public async Task ReleaseAsync(string slotIdOrCallId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slotIdOrCallId);
        if (slotIdOrCallId.Length == 0 || limits.MaxConcurrentCalls is null)
        {
            return;
        }

        if (await RemoveAsync([slotIdOrCallId], cancellationToken).ConfigureAwait(false))
        {
            coordinator.SignalRelease();
        }
    }

    /// <summary>Reserves a start (and a concurrency slot), or says why not: booked past the deadline, or full (with the calls due a lookup).</summary>
    private Task<ReserveResult> ReserveAsync(DateTimeOffset deadline, CancellationToken cancellationToken) =>
        SubmitAsync(new PacingRequest(deadline), cancellationToken);

    /// <summary>Removes the slots named (by slot id or call id); false when none was held.</summary>
    private async Task<bool> RemoveAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        var removed = false;
        await UpdateAsync(
            (state, _) =>
            {
                var keep = state.Live.Where(pair => !ids.Contains(pair.Key) && !(pair.Value.CallId is { } callId && ids.Contains(callId)))
                    .ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.Ordinal);
                removed = keep.Count < state.Live.Count;
                return removed ? state with { Live = keep } : null;
            },
            cancellationToken).ConfigureAwait(false);
        return removed;
    }

    /// <summary>A change to the shared record (null from <paramref name="change"/>: nothing to write), written with whatever else is waiting.</summary>
    private Task<ReserveResult> UpdateAsync(Func<AccountPacingState, DateTimeOffset, AccountPacingState?> change, CancellationToken cancellationToken) =>
        SubmitAsync(new PacingRequest(change), cancellationToken);

    private static TimeSpan RoundUp(TimeSpan wait) => TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(wait.TotalSeconds)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Pacing: Synthflow answered 429; no call starts for {Wait}")]
    private static partial void LogBackOff(ILogger logger, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pacing: the call rate is booked past the wait allowed; answering Retry-After {RetryAfter}")]
    private static partial void LogTooLate(ILogger logger, TimeSpan retryAfter);

    [LoggerMessage(Level = LogLevel.Information, Message = "Pacing: all {MaxConcurrentCalls} concurrent calls stayed in use for the whole wait")]
    private static partial void LogFull(ILogger logger, int maxConcurrentCalls);
}
