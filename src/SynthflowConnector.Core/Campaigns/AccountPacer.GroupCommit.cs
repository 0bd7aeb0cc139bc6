namespace SynthflowConnector.Campaigns;

// The pacer's group commit: every request to the shared record queued while a write is in flight goes in the next write.
public sealed partial class AccountPacer
{
    /// <summary>
    /// Group commit: the request joins the process's queue; whoever holds the gate next applies every queued request
    /// (binds and releases first, then reservations in arrival order) in ONE ETag-guarded read-modify-write, retried
    /// whole when another instance won. Under load one write serves many callers instead of three writes per call.
    /// </summary>
    private async Task<ReserveResult> SubmitAsync(PacingRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        coordinator.Pending.Enqueue(request);

        // Not cancellable once queued: a request taken by another caller's write must still be answered, and the gate is
        // held only for one read and one write.
        await coordinator.Gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (!request.Done.Task.IsCompleted)
            {
                await FlushAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            coordinator.Gate.Release();
        }

        return await request.Done.Task.ConfigureAwait(false);
    }

    /// <summary>Applies every queued request in one write (under the gate); each request's task gets its answer or the failure.</summary>
    private async Task FlushAsync()
    {
        var batch = new List<PacingRequest>();
        while (coordinator.Pending.TryDequeue(out var queued))
        {
            batch.Add(queued);
        }

        try
        {
            for (var attempt = 0; attempt < MaxWriteAttempts; attempt++)
            {
                var (state, etag) = await store.ReadAsync(CancellationToken.None).ConfigureAwait(false);
                var (next, results, dirty) = Apply(state, batch, timeProvider.GetUtcNow());
                if (!dirty || await store.TryWriteAsync(next, etag, CancellationToken.None).ConfigureAwait(false))
                {
                    if (dirty)
                    {
                        coordinator.CountWrite();
                    }

                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Done.TrySetResult(results[i]);
                    }

                    return;
                }
            }

            throw new StoreContentionException($"The account's pacing record kept changing under {MaxWriteAttempts} attempts to update it; no call was placed.");
        }
        catch (Exception error)
        {
            foreach (var request in batch)
            {
                request.Done.TrySetException(error);
            }
        }
    }

    /// <summary>The record after the batch, each request's answer, and whether anything changed.</summary>
    private (AccountPacingState Next, ReserveResult[] Results, bool Dirty) Apply(AccountPacingState state, List<PacingRequest> batch, DateTimeOffset now)
    {
        var results = new ReserveResult[batch.Count];
        var dirty = false;

        // Binds and releases first: a slot freed in this batch serves its reservations.
        foreach (var request in batch)
        {
            if (request.Change?.Invoke(state, now) is { } changed)
            {
                state = changed;
                dirty = true;
            }
        }

        var live = Prune(state.Live, now);
        dirty |= live.Count != state.Live.Count;
        var nextStart = state.NextStartAt;
        var checksClaimed = false;
        for (var i = 0; i < batch.Count; i++)
        {
            if (batch[i].Change is not null)
            {
                results[i] = ReserveResult.Nothing;
                continue;
            }

            if (limits.MaxConcurrentCalls is { } max && live.Count >= max)
            {
                // Full. The first to see it claims the lookups due (CheckedAt), so no other caller or instance repeats them.
                var due = checksClaimed ? [] : live.Where(pair => IsDueForCheck(pair.Value, now)).Take(MaxChecksPerRound).ToList();
                checksClaimed = true;
                foreach (var (dueSlot, held) in due)
                {
                    live[dueSlot] = held with { CheckedAt = now };
                }

                dirty |= due.Count > 0;
                coordinator.CountFull();
                results[i] = new ReserveResult(null, null, due.Select(pair => pair.Value.CallId!).ToList());
                continue;
            }

            var startAt = limits.CallsPerSecond is null || nextStart <= now ? now : nextStart;
            if (startAt > batch[i].Deadline)
            {
                results[i] = new ReserveResult(null, RoundUp(startAt - batch[i].Deadline), []);
                continue;
            }

            if (startAt - now > limits.BookAhead)
            {
                // Too far ahead to hold a concurrency slot for: come back when it is near (nothing reserved meanwhile).
                results[i] = new ReserveResult(null, null, []) { NotBefore = startAt - limits.BookAhead };
                continue;
            }

            var slotId = Guid.NewGuid().ToString("N");
            if (limits.MaxConcurrentCalls is not null)
            {
                live[slotId] = new LiveCallSlot { ReservedAt = now };
            }

            if (limits.CallsPerSecond is not null)
            {
                nextStart = startAt + limits.Spacing;
            }

            dirty = true;
            results[i] = new ReserveResult(new PacingSlot(slotId, startAt), null, []);
        }

        return (new AccountPacingState { NextStartAt = nextStart, Live = live }, results, dirty);
    }
}

/// <summary>One request to the shared pacing record: a change (bind, release) or a reservation (<see cref="Deadline"/>).</summary>
internal sealed class PacingRequest
{
    public PacingRequest(Func<AccountPacingState, DateTimeOffset, AccountPacingState?> change) => Change = change;

    public PacingRequest(DateTimeOffset deadline) => Deadline = deadline;

    /// <summary>The change; null for a reservation.</summary>
    public Func<AccountPacingState, DateTimeOffset, AccountPacingState?>? Change { get; }

    /// <summary>A reservation's latest acceptable start.</summary>
    public DateTimeOffset Deadline { get; }

    public TaskCompletionSource<ReserveResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A reservation's answer: a slot, or booked too far ahead (Retry-After), or full (with the calls this caller should look up).</summary>
internal readonly record struct ReserveResult(PacingSlot? Slot, TimeSpan? TooLate, IReadOnlyList<string> Checks)
{
    /// <summary>The next start is further ahead than <see cref="PacingLimits.BookAhead"/>: ask again at this time.</summary>
    public DateTimeOffset? NotBefore { get; init; }

    public static ReserveResult Nothing { get; } = new(null, null, []);
}
