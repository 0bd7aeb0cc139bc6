using System.Collections.Concurrent;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// What the <see cref="AccountPacer"/>s of one process share (a singleton): a gate so they take turns at the shared
/// record instead of racing each other's ETags, a signal that wakes local callers waiting for a concurrency slot when a
/// slot is freed here, and the list of callers waiting on the clock (for diagnostics and tests).
/// </summary>
public sealed class PacingCoordinator(TimeProvider timeProvider)
{
    /// <summary>How soon a caller held back by a call still in flight looks again.</summary>
    private static readonly TimeSpan InFlightRecheck = TimeSpan.FromMilliseconds(5);

    private readonly ConcurrentDictionary<Sleeper, byte> _sleepers = new();
    private readonly Lock _sendsGate = new();
    private readonly List<SendTicket> _sends = [];
    private TaskCompletionSource _released = NewSource();

    /// <summary>Callers waiting on the clock right now (for their start, or polling for a free concurrency slot) and not yet woken.</summary>
    public int SleepingCallers
    {
        get
        {
            var now = timeProvider.GetUtcNow();
            return _sleepers.Keys.Count(sleeper => sleeper.IsAsleep(now));
        }
    }

    /// <summary>The earliest time a sleeping caller wakes by itself, or null when none sleeps.</summary>
    public DateTimeOffset? NextWakeAt
    {
        get
        {
            var now = timeProvider.GetUtcNow();
            var asleep = _sleepers.Keys.Where(sleeper => sleeper.IsAsleep(now)).Select(sleeper => sleeper.WakeAt).ToList();
            return asleep.Count == 0 ? null : asleep.Min();
        }
    }

    /// <summary>One read-modify-write of the shared record at a time per process.</summary>
    internal SemaphoreSlim Gate { get; } = new(1, 1);

    private long _fullWaits;
    private long _windowWaits;
    private long _writes;

    /// <summary>Reservations answered "every concurrency slot is taken" (the caller then waits for a release). For diagnostics and benchmarks.</summary>
    public long FullWaits => Interlocked.Read(ref _fullWaits);

    /// <summary>Sends the local send window held back (see <see cref="TryTakeSend"/>). For diagnostics and benchmarks.</summary>
    public long WindowWaits => Interlocked.Read(ref _windowWaits);

    /// <summary>Writes of the shared record by this process (each serves every request queued for it).</summary>
    public long Writes => Interlocked.Read(ref _writes);

    internal void CountFull() => Interlocked.Increment(ref _fullWaits);

    internal void CountWrite() => Interlocked.Increment(ref _writes);

    /// <summary>Requests waiting for the next write of the shared record (group commit; see <see cref="AccountPacer"/>).</summary>
    internal ConcurrentQueue<PacingRequest> Pending { get; } = new();

    /// <summary>
    /// Takes a send in the local window: at most <paramref name="perWindow"/> calls whose window has not closed, where a
    /// call's window closes <paramref name="window"/> after its answer came back (at the latest, after
    /// <see cref="SendTicket.LongestCounted"/> of flight). Synthflow counts a call when it receives it, somewhere between
    /// our send and its answer, so a call sent now shares a rolling second only with calls still counted here, whatever the
    /// delay on the way up to that bound. Returns the ticket to hand to <see cref="Answered"/>, or the time to try again.
    /// </summary>
    internal (SendTicket? Ticket, DateTimeOffset RetryAt) TryTakeSend(int perWindow, TimeSpan window)
    {
        var now = timeProvider.GetUtcNow();
        lock (_sendsGate)
        {
            _sends.RemoveAll(sent => sent.ClosesAt(window) <= now);
            if (_sends.Count < perWindow)
            {
                var ticket = new SendTicket(now);
                _sends.Add(ticket);
                return (ticket, now);
            }

            Interlocked.Increment(ref _windowWaits);

            // The earliest time enough windows have closed; a call still in flight may close its window any moment: look again soon.
            var closing = _sends.Select(sent => sent.ClosesAt(window)).Order().ToList();
            var retryAt = closing[_sends.Count - perWindow];
            if (_sends.Any(sent => !sent.IsSettled(now)) && now + InFlightRecheck < retryAt)
            {
                retryAt = now + InFlightRecheck;
            }

            return (null, retryAt);
        }
    }

    /// <summary>The call's answer (or failure) came back: its window closes one window from now.</summary>
    internal void Answered(SendTicket ticket)
    {
        var now = timeProvider.GetUtcNow();
        lock (_sendsGate)
        {
            ticket.AnsweredAt ??= now;
        }
    }

    /// <summary>Completes at the next local release (armed before the caller reads the state, so no release is missed).</summary>
    internal Task NextRelease => Volatile.Read(ref _released).Task;

    internal void SignalRelease() => Interlocked.Exchange(ref _released, NewSource()).TrySetResult();

    /// <summary>Waits until <paramref name="wakeAt"/> on the clock (or, with <paramref name="release"/>, until it completes first).</summary>
    internal async Task SleepAsync(DateTimeOffset wakeAt, Task? release, CancellationToken cancellationToken)
    {
        var delay = wakeAt - timeProvider.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        // The timer before the sleeper is listed: a caller counted asleep always has its timer armed for wakeAt, so moving
        // the clock to NextWakeAt wakes it. Listed first, a clock moved in between (a test's pump, which moves it only when
        // every caller sleeps) armed the timer one delay too late, and nothing moved the clock again.
        var timer = Task.Delay(delay, timeProvider, cancellationToken);
        var sleeper = new Sleeper(wakeAt, release);
        _sleepers.TryAdd(sleeper, 0);
        try
        {
            if (release is null)
            {
                await timer.ConfigureAwait(false);
            }
            else
            {
                await Task.WhenAny(timer, release).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        finally
        {
            _sleepers.TryRemove(sleeper, out _);
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A waiting caller: asleep until its time has come or its release signal completed (whichever is first; both are visible at once, before the caller's continuation runs).</summary>
    private sealed class Sleeper(DateTimeOffset wakeAt, Task? release)
    {
        public DateTimeOffset WakeAt { get; } = wakeAt;

        public bool IsAsleep(DateTimeOffset now) => WakeAt > now && release is not { IsCompleted: true };
    }
}

/// <summary>One call sent through the local send window: it counts until a window after its answer, or after <see cref="LongestCounted"/>.</summary>
internal sealed class SendTicket(DateTimeOffset sentAt)
{
    /// <summary>
    /// The longest flight counted: Synthflow gets the request somewhere between our send and its answer, so waiting for
    /// the answer covers any delay on the way; past this, the request is taken as received (a slow answer, e.g. over the
    /// internet, then costs the rate at most this much per window instead of its whole round trip).
    /// </summary>
    public static readonly TimeSpan LongestCounted = TimeSpan.FromMilliseconds(50);

    public DateTimeOffset SentAt { get; } = sentAt;

    public DateTimeOffset? AnsweredAt { get; set; }

    /// <summary>False while the request is in flight and younger than <see cref="LongestCounted"/>: its window's end is not known yet.</summary>
    public bool IsSettled(DateTimeOffset now) => AnsweredAt is not null || now >= SentAt + LongestCounted;

    public DateTimeOffset ClosesAt(TimeSpan window) =>
        (AnsweredAt is { } answered && answered < SentAt + LongestCounted ? answered : SentAt + LongestCounted) + window;
}
