namespace SynthflowConnector.Sandbox;

/// <summary>
/// Fault knobs of a <see cref="SynthflowSandbox"/>. Each "Next" knob applies to the next <c>count</c> requests that
/// match its method (null: any) and path prefix (null: any, e.g. <c>/v2/calls</c>), then expires. Knobs of one kind
/// are used in the order they were set. Thread-safe.
/// </summary>
/// <remarks>
/// Order per request: <see cref="DropConnectionNext"/>, <see cref="TimeoutNext"/>, <see cref="FailNext"/>,
/// <see cref="RandomFailureRate"/> are checked before anything else, auth included (they stand for the network and
/// the gateway in front of Synthflow); the first that applies wins and consumes one use. A request that got one of
/// them is not processed, so it does not consume a <see cref="DropAfterProcessingNext"/>, which is checked after
/// processing, whatever status the processing produced.
/// <para>
/// A dropped connection is reset (Kestrel's abort sends a TCP RST), so the client sees an
/// <see cref="HttpRequestException"/> whatever the method: HttpClient's own transparent resend, which only covers a
/// connection closed cleanly before any byte of the answer, does not absorb it. Any retry is the client's own.
/// </para>
/// </remarks>
public sealed class SandboxFaults
{
    private static readonly int[] DefaultRandomStatusCodes = [429, 500, 502, 503];

    private readonly Lock _gate = new();
    private readonly List<Rule> _rules = [];
    private readonly Random _random;
    private double _randomFailureRate;
    private int[] _randomStatusCodes = DefaultRandomStatusCodes;

    internal SandboxFaults(int? randomSeed)
    {
        // System.Random is right here: the point is a repeatable sequence for a given seed, not unpredictability.
#pragma warning disable CA5394 // Do not use insecure randomness
        _random = randomSeed is { } seed ? new Random(seed) : new Random();
#pragma warning restore CA5394
    }

    /// <summary>
    /// The next <paramref name="count"/> matching requests are answered <paramref name="statusCode"/> (429 or 5xx
    /// usually; any 4xx/5xx is accepted) with Synthflow's error detail body, and <c>Retry-After</c> in whole seconds
    /// when <paramref name="retryAfter"/> is given. Nothing is processed.
    /// </summary>
    public void FailNext(int count, int statusCode, string? method = null, string? pathPrefix = null, TimeSpan? retryAfter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(statusCode, 599);
        if (retryAfter is { } delay)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero, nameof(retryAfter));
        }

        Add(new Rule(FaultKind.Fail, count, method, pathPrefix) { StatusCode = statusCode, RetryAfter = retryAfter });
    }

    /// <summary>
    /// The next matching requests are never answered: they are held until the client gives up (the request is
    /// aborted) or the server stops. No timer is involved; only the client's own timeout ends them.
    /// </summary>
    public void TimeoutNext(int count, string? method = null, string? pathPrefix = null) =>
        Add(new Rule(FaultKind.Timeout, count, method, pathPrefix));

    /// <summary>The next matching requests get their connection closed before anything is done.</summary>
    public void DropConnectionNext(int count, string? method = null, string? pathPrefix = null) =>
        Add(new Rule(FaultKind.DropConnection, count, method, pathPrefix));

    /// <summary>
    /// The next matching requests are processed (a call is created, numbers are attached…) and then their
    /// connection is closed instead of answering: "the call was created, then the connection dropped".
    /// </summary>
    public void DropAfterProcessingNext(int count, string? method = null, string? pathPrefix = null) =>
        Add(new Rule(FaultKind.DropAfterProcessing, count, method, pathPrefix));

    /// <summary>Share of requests (0 to 1) answered with a status drawn from <see cref="RandomFailureStatusCodes"/>.</summary>
    public double RandomFailureRate
    {
        get
        {
            lock (_gate)
            {
                return _randomFailureRate;
            }
        }

        set
        {
            if (double.IsNaN(value) || value is < 0 or > 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "The rate must be between 0 and 1.");
            }

            lock (_gate)
            {
                _randomFailureRate = value;
            }
        }
    }

    /// <summary>The statuses random failures draw from; 429, 500, 502 and 503 unless set.</summary>
    public IReadOnlyList<int> RandomFailureStatusCodes
    {
        get
        {
            lock (_gate)
            {
                return _randomStatusCodes;
            }
        }

        set
        {
            ArgumentNullException.ThrowIfNull(value);
            int[] codes = [.. value];
            if (codes.Length == 0 || codes.Any(code => code is < 400 or > 599))
            {
                throw new ArgumentException("Give at least one status code, each between 400 and 599.", nameof(value));
            }

            lock (_gate)
            {
                _randomStatusCodes = codes;
            }
        }
    }

    /// <summary>Removes every pending knob and turns random failures off (default status codes restored).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _rules.Clear();
            _randomFailureRate = 0;
            _randomStatusCodes = DefaultRandomStatusCodes;
        }
    }

    /// <summary>The fault to apply before processing, consuming one use of it; <see cref="FaultKind.None"/> when none.</summary>
    internal FaultDecision TakeBeforeProcessing(string method, string path)
    {
        lock (_gate)
        {
            foreach (var kind in (ReadOnlySpan<FaultKind>)[FaultKind.DropConnection, FaultKind.Timeout, FaultKind.Fail])
            {
                if (TakeRule(kind, method, path) is { } rule)
                {
                    return new FaultDecision(kind, rule.StatusCode, rule.RetryAfter);
                }
            }

            // Draw only when the knob is on, so turning it on later starts the same seeded sequence.
            if (_randomFailureRate > 0 && _random.NextDouble() < _randomFailureRate)
            {
                return new FaultDecision(FaultKind.RandomFailure, _randomStatusCodes[_random.Next(_randomStatusCodes.Length)], RetryAfter: null);
            }

            return default;
        }
    }

    /// <summary>Whether to drop the connection of a request that has just been processed (consumes one use).</summary>
    internal bool TakeDropAfterProcessing(string method, string path)
    {
        lock (_gate)
        {
            return TakeRule(FaultKind.DropAfterProcessing, method, path) is not null;
        }
    }

    private void Add(Rule rule)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rule.Remaining, "count");
        lock (_gate)
        {
            _rules.Add(rule);
        }
    }

    private Rule? TakeRule(FaultKind kind, string method, string path)
    {
        var index = _rules.FindIndex(rule => rule.Kind == kind && rule.Matches(method, path));
        if (index < 0)
        {
            return null;
        }

        var rule = _rules[index];
        if (--rule.Remaining == 0)
        {
            _rules.RemoveAt(index);
        }

        return rule;
    }

    private sealed class Rule(FaultKind kind, int count, string? method, string? pathPrefix)
    {
        public FaultKind Kind { get; } = kind;

        public int Remaining { get; set; } = count;

        public int StatusCode { get; init; }

        public TimeSpan? RetryAfter { get; init; }

        public bool Matches(string requestMethod, string requestPath) =>
            (method is null || string.Equals(method, requestMethod, StringComparison.OrdinalIgnoreCase))
            && (pathPrefix is null || requestPath.StartsWith(pathPrefix, StringComparison.OrdinalIgnoreCase));
    }
}

internal enum FaultKind
{
    None,
    DropConnection,
    Timeout,
    Fail,
    RandomFailure,
    DropAfterProcessing,
}

internal readonly record struct FaultDecision(FaultKind Kind, int StatusCode, TimeSpan? RetryAfter);
