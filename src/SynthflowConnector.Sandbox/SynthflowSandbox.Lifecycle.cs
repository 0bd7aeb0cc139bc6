namespace SynthflowConnector.Sandbox;

// Calls live (issue 11): pending → in-progress half-way through CallDuration → the final status of SandboxOutcomes
// at CallDuration, on the sandbox's TimeProvider (FakeTimeProvider.Advance drives it). Then, when the call has an
// external_webhook_url, the post-call webhook goes out through Webhooks, outside the state lock.
public sealed partial class SynthflowSandbox : IAsyncDisposable
{
    /// <summary>The default <see cref="CallDuration"/>: 3 seconds.</summary>
    public static readonly TimeSpan DefaultCallDuration = TimeSpan.FromSeconds(3);

    /// <summary>Timers of calls still on the automatic lifecycle (guarded by <see cref="_gate"/>).</summary>
    private readonly Dictionary<string, CallTimers> _timers = new(StringComparer.Ordinal);

    private long _callDurationTicks = DefaultCallDuration.Ticks;
    private bool _disposed;

    /// <summary>
    /// How long calls placed from now on live, from <c>pending</c> to their final status; they turn
    /// <c>in-progress</c> half-way. Connected calls report it (whole seconds, at least 1) as their <c>duration</c>.
    /// Must be positive. Thread-safe; calls already placed keep theirs.
    /// </summary>
    public TimeSpan CallDuration
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _callDurationTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _callDurationTicks, value.Ticks);
        }
    }

    /// <summary>Post-call webhooks: the drop, duplicate and delay knobs and the log of attempts.</summary>
    public SandboxWebhooks Webhooks { get; }

    /// <summary>
    /// Moves a call by hand (Synthflow would, as the call rings and ends), taking it off the automatic lifecycle.
    /// <paramref name="status"/> is one of the spec's call statuses, <paramref name="endCallReason"/> one of its
    /// end-call reasons. A final status fills in the call's content (transcript, analysis… of
    /// <see cref="SandboxOutcomes"/>) and, for a call that had not ended and has an <c>external_webhook_url</c>,
    /// sends its post-call webhook.
    /// </summary>
    public void SetCallStatus(string callId, string status, string? endCallReason = null, int? durationSeconds = null)
    {
        if (!SynthflowContract.CallStatuses.Contains(status))
        {
            throw new ArgumentException($"'{status}' is not a Synthflow call status.", nameof(status));
        }

        if (endCallReason is not null && !SynthflowContract.EndCallReasons.Contains(endCallReason))
        {
            throw new ArgumentException($"'{endCallReason}' is not a Synthflow end-call reason.", nameof(endCallReason));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(durationSeconds ?? 0, nameof(durationSeconds));
        SandboxCall? ended = null;
        lock (_gate)
        {
            if (!_callIndex.TryGetValue(callId, out var index))
            {
                throw new KeyNotFoundException($"No call {callId}.");
            }

            var call = _calls[index];
            if (_timers.Remove(callId, out var timers))
            {
                timers.Dispose();
            }

            if (SynthflowContract.LiveStatuses.Contains(status))
            {
                Replace(index, call with
                {
                    Status = status,
                    EndCallReason = endCallReason ?? call.EndCallReason,
                    Duration = durationSeconds ?? call.Duration,
                });
            }
            else
            {
                var finished = Finish(call, SandboxOutcomes.ForStatus(status, SandboxOutcomes.For(call.PhoneNumberTo)), timers?.Duration ?? CallDuration);
                finished = finished with
                {
                    EndCallReason = endCallReason ?? finished.EndCallReason,
                    Duration = durationSeconds ?? finished.Duration,
                };
                Replace(index, finished);
                ended = call.HasEnded ? null : finished;
            }
        }

        if (ended is not null)
        {
            SendWebhook(ended);
        }
    }

    /// <summary>Stops every call's lifecycle and the webhook senders; calls in flight stay as they are.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var timers in _timers.Values)
            {
                timers.Dispose();
            }

            _timers.Clear();
        }

        await Webhooks.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Puts a just-placed call on the automatic lifecycle. Under <see cref="_gate"/>.</summary>
    private void StartLifecycle(string callId, TimeSpan duration)
    {
        if (_disposed)
        {
            return;
        }

        var half = TimeSpan.FromTicks(Math.Max(1, duration.Ticks / 2));
        _timers.Add(callId, new CallTimers(
            TimeProvider.CreateTimer(_ => OnAnswered(callId), null, half, Timeout.InfiniteTimeSpan),
            TimeProvider.CreateTimer(_ => OnEnded(callId), null, duration, Timeout.InfiniteTimeSpan),
            duration));
    }

    private void OnAnswered(string callId)
    {
        lock (_gate)
        {
            if (_timers.ContainsKey(callId) && _callIndex.TryGetValue(callId, out var index) && _calls[index].Status == "pending")
            {
                Replace(index, _calls[index] with { Status = "in-progress" });
            }
        }
    }

    private void OnEnded(string callId)
    {
        SandboxCall ended;
        lock (_gate)
        {
            if (!_timers.Remove(callId, out var timers) || !_callIndex.TryGetValue(callId, out var index))
            {
                return;
            }

            timers.Dispose();
            var call = _calls[index];
            var outcome = SandboxOutcomes.For(call.PhoneNumberTo);
            ended = Finish(call, outcome, timers.Duration);
            Replace(index, ended);
        }

        SendWebhook(ended);
    }

    /// <summary>The call at its end: the outcome's status and content, ended now.</summary>
    private SandboxCall Finish(SandboxCall call, SandboxOutcome outcome, TimeSpan duration) => call with
    {
        Status = outcome.Status,
        EndCallReason = outcome.EndCallReason,
        CustomEndCallReason = outcome.CustomEndCallReason,
        ErrorMessage = outcome.ErrorMessage,
        Duration = outcome.Connected ? ConnectedSeconds(duration) : 0,
        Transcript = outcome.TranscriptFor(call.Name),
        RecordingUrl = outcome.Recorded ? $"https://recordings.synthflow-sandbox.invalid/{call.CallId}.mp3" : null,
        EndedAt = TimeProvider.GetUtcNow(),
        Outcome = outcome,
    };

    /// <summary>Outside <see cref="_gate"/>: building and queueing the webhook never holds the state lock.</summary>
    private void SendWebhook(SandboxCall ended)
    {
        if (ended.ExternalWebhookUrl is { } url)
        {
            Webhooks.Dispatch(ended.CallId, url, SandboxWebhookPayload.Build(ended));
        }
    }

    private static int ConnectedSeconds(TimeSpan duration) => (int)Math.Max(1, Math.Round(duration.TotalSeconds, MidpointRounding.AwayFromZero));

    private sealed record CallTimers(ITimer Answered, ITimer Ended, TimeSpan Duration) : IDisposable
    {
        public void Dispose()
        {
            Answered.Dispose();
            Ended.Dispose();
        }
    }
}
