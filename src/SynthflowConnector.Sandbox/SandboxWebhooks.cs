using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;

namespace SynthflowConnector.Sandbox;

/// <summary>
/// The sandbox's post-call webhooks: when a call with an <c>external_webhook_url</c> ends, its payload is POSTed there
/// over real HTTP (the sandbox's own <see cref="HttpClient"/>), signed like Synthflow signs it:
/// <c>Synthflow-Signature: base64(HMAC-SHA256(key = UTF-8 secret, data = UTF-8 call_id))</c>, no header without a
/// secret. Like Synthflow, it never retries: a failing receiver is noted in <see cref="Attempts"/> and forgotten.
/// Knobs (thread-safe, settable at any time): <see cref="DropNext"/>, <see cref="DropAll"/>, <see cref="DropRate"/>,
/// <see cref="DuplicateNext"/>, <see cref="DuplicateAll"/>, <see cref="Delay"/>. The drop, duplicate and delay
/// decisions are taken when the call ends; the delay waits on the sandbox's clock. Sending happens on background
/// senders, never on the thread that ended the call; disposing stops them (a webhook still delayed is not sent).
/// </summary>
public sealed partial class SandboxWebhooks : IAsyncDisposable
{
    /// <summary>The signature header (webhooks.md: documented as <c>HTTP_SYNTHFLOW_SIGNATURE</c>).</summary>
    public const string SignatureHeader = "Synthflow-Signature";

    private const int SenderCount = 16;
    private static readonly TimeSpan SendTimeout = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _time;
    private readonly byte[]? _secret;
    private readonly Lock _gate = new();
    private readonly Random _random;
    private readonly ConcurrentQueue<SandboxWebhookAttempt> _attempts = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private readonly HashSet<ITimer> _delayTimers = [];
    private readonly Channel<Job> _queue = Channel.CreateUnbounded<Job>();
    private readonly CancellationTokenSource _stopping = new();
    private HttpClient? _client;
    private Task[]? _senders;
    private bool _disposed;
    private int _dropNext;
    private int _duplicateNext;
    private long _delayTicks;
    private double _dropRate;
    private volatile bool _dropAll;
    private volatile bool _duplicateAll;

    internal SandboxWebhooks(SandboxOptions options, TimeProvider time)
    {
        _time = time;
        _secret = options.WebhookSecret is { Length: > 0 } secret ? Encoding.UTF8.GetBytes(secret) : null;

        // System.Random is right here: the point is a repeatable sequence for a given seed, not unpredictability.
#pragma warning disable CA5394 // Do not use insecure randomness
        _random = options.RandomSeed is { } seed ? new Random(seed) : new Random();
#pragma warning restore CA5394
        Delay = options.WebhookDelay;
        DropAll = options.DropWebhooks;
        DropRate = options.WebhookDropRate;
        DuplicateAll = options.DuplicateWebhooks;
    }

    /// <summary>Wait on the sandbox's clock between a call's end and its webhook. Zero (the default): at once.</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _delayTicks, value.Ticks);
        }
    }

    /// <summary>Drop every webhook (logged as dropped, never sent).</summary>
    public bool DropAll
    {
        get => _dropAll;
        set => _dropAll = value;
    }

    /// <summary>Share of webhooks dropped at random, 0 to 1 (seeded by <see cref="SandboxOptions.RandomSeed"/>).</summary>
    public double DropRate
    {
        get
        {
            lock (_gate)
            {
                return _dropRate;
            }
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0d);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1d);
            lock (_gate)
            {
                _dropRate = value;
            }
        }
    }

    /// <summary>Send every webhook twice (the second attempt is flagged <see cref="SandboxWebhookAttempt.IsDuplicate"/>).</summary>
    public bool DuplicateAll
    {
        get => _duplicateAll;
        set => _duplicateAll = value;
    }

    /// <summary>A snapshot of every webhook decided so far (sent, failed or dropped), in the order they were logged.</summary>
    public IReadOnlyList<SandboxWebhookAttempt> Attempts => _attempts.ToArray();

    /// <summary>The next <paramref name="count"/> webhooks are dropped (added to any count still pending).</summary>
    public void DropNext(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Interlocked.Add(ref _dropNext, count);
    }

    /// <summary>The next <paramref name="count"/> webhooks are sent twice (added to any count still pending).</summary>
    public void DuplicateNext(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Interlocked.Add(ref _duplicateNext, count);
    }

    /// <summary>Completes once <see cref="Attempts"/> holds at least <paramref name="count"/> entries. Waits, never polls.</summary>
    public Task WhenAttemptedAsync(int count, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_attempts.Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The signature Synthflow sends for <paramref name="callId"/> with <paramref name="secret"/>.</summary>
    public static string Sign(string secret, string callId)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(callId);
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(callId)));
    }

    public async ValueTask DisposeAsync()
    {
        Task[]? senders;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var timer in _delayTimers)
            {
                timer.Dispose();
            }

            _delayTimers.Clear();
            senders = _senders;
        }

        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (senders is not null)
        {
            await Task.WhenAll(senders).ConfigureAwait(false);
        }

        _client?.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Decides drop, duplicate and delay for one ended call, then queues it. Never blocks on the network.</summary>
    internal void Dispatch(string callId, string url, byte[] body)
    {
        if (TakeDrop())
        {
            Log(new SandboxWebhookAttempt(callId, url, _time.GetUtcNow(), StatusCode: null, Error: null, IsDuplicate: false, Dropped: true));
            return;
        }

        var job = new Job(callId, new Uri(url, UriKind.Absolute), body, _secret is null ? null : Convert.ToBase64String(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes(callId))), IsDuplicate: false);
        var twice = TakeDuplicate();
        var delay = Delay;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (delay <= TimeSpan.Zero)
            {
                Enqueue(job, twice);
                return;
            }

            // Created under the gate, which the callback takes first: it always finds its own timer in the set.
            ITimer? timer = null;
            timer = _time.CreateTimer(
                _ =>
                {
                    lock (_gate)
                    {
                        if (_delayTimers.Remove(timer!))
                        {
                            timer!.Dispose();
                            Enqueue(job, twice);
                        }
                    }
                },
                null,
                delay,
                Timeout.InfiniteTimeSpan);
            _delayTimers.Add(timer);
        }
    }

    private bool TakeDrop()
    {
        if (TryTake(ref _dropNext) || _dropAll)
        {
            return true;
        }

        lock (_gate)
        {
            return _dropRate > 0 && _random.NextDouble() < _dropRate;
        }
    }

    private bool TakeDuplicate() => TryTake(ref _duplicateNext) || _duplicateAll;

    private static bool TryTake(ref int counter)
    {
        var current = Volatile.Read(ref counter);
        while (current > 0)
        {
            var seen = Interlocked.CompareExchange(ref counter, current - 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }
}
