using System.Collections.Concurrent;
using System.Security.Cryptography;
using SynthflowConnector.PhoneNumbers;

namespace SynthflowConnector.Sandbox;

/// <summary>
/// An in-process, faithful fake of the Synthflow Platform API v2 endpoints the connector uses: one workspace's
/// agents, numbers and calls, fault and latency knobs, and a log of every request. Serve it over HTTP with
/// <see cref="SandboxServer"/> or <see cref="SandboxEndpoints.MapSynthflowSandbox"/>. Thread-safe: one lock guards
/// the workspace state (simple and obviously correct beats clever here); the request log is a concurrent queue.
/// Calls live on their own (SynthflowSandbox.Lifecycle.cs) and send signed post-call webhooks (<see cref="Webhooks"/>):
/// dispose the sandbox to stop both.
/// </summary>
public sealed partial class SynthflowSandbox
{
    private readonly Lock _gate = new();
    private readonly List<AgentState> _agents = [];
    private readonly Dictionary<string, AgentState> _agentsById = new(StringComparer.Ordinal);
    private readonly List<NumberState> _numbers = [];
    private readonly Dictionary<string, NumberState> _numbersByE164 = new(StringComparer.Ordinal);
    private readonly List<SandboxCall> _calls = [];
    private readonly Dictionary<string, int> _callIndex = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<SandboxRequest> _requests = new();
    private volatile AttachSemantics _attachSemantics;
    private long _latencyTicks;

    /// <param name="options">Key, workspace, seeding, random seed, call lifecycle, limits and webhook knobs; defaults when null.</param>
    /// <param name="timeProvider">Clock for call lifecycles, limits, webhook delays, request times and <see cref="Latency"/>; the system clock when null.</param>
    public SynthflowSandbox(SandboxOptions? options = null, TimeProvider? timeProvider = null)
    {
        options ??= new SandboxOptions();
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Workspace, nameof(options));
        TimeProvider = timeProvider ?? TimeProvider.System;
        ApiKey = string.IsNullOrEmpty(options.ApiKey)
            ? "sandbox-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))
            : options.ApiKey;
        Workspace = options.Workspace;
        Faults = new SandboxFaults(options.RandomSeed);
        CallDuration = options.CallDuration;
        CallsPerSecond = options.CallsPerSecond;
        MaxConcurrentCalls = options.MaxConcurrentCalls;
        Webhooks = new SandboxWebhooks(options, TimeProvider);
        if (options.Seed)
        {
            SandboxSeed.Apply(this);
        }
    }

    /// <summary>The key every request must carry as <c>Authorization: Bearer …</c>.</summary>
    public string ApiKey { get; }

    /// <summary>The workspace id <c>GET /numbers</c> expects in its <c>workspace</c> query parameter.</summary>
    public string Workspace { get; }

    /// <summary>Whether attaching adds to an agent's pool (default) or replaces it.</summary>
    public AttachSemantics AttachSemantics
    {
        get => _attachSemantics;
        set => _attachSemantics = Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary>Added to every request before anything else happens, measured on the sandbox's <see cref="TimeProvider"/>.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Interlocked.Exchange(ref _latencyTicks, value.Ticks);
        }
    }

    public SandboxFaults Faults { get; }

    /// <summary>A snapshot of the request log, oldest first. Every request is in it, faulted and rejected ones too.</summary>
    public IReadOnlyList<SandboxRequest> Requests => _requests.ToArray();

    /// <summary>Calls placed so far, oldest first.</summary>
    public IReadOnlyList<SandboxCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    internal TimeProvider TimeProvider { get; }

    /// <summary>Logged requests with this method (case-insensitive) whose path starts with <paramref name="pathPrefix"/>, e.g. <c>("POST", "/v2/calls")</c>.</summary>
    public int CountRequests(string method, string pathPrefix)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(pathPrefix);
        return _requests.Count(r =>
            string.Equals(r.Method, method, StringComparison.OrdinalIgnoreCase)
            && r.Path.StartsWith(pathPrefix, StringComparison.OrdinalIgnoreCase));
    }

    public void ClearRequests() => _requests.Clear();

    /// <summary>Gives the workspace a number.</summary>
    /// <param name="number">E.164.</param>
    /// <param name="sid">Provider SID (Twilio's <c>PN…</c>); null for bring-your-own numbers.</param>
    /// <param name="listedInNumbers">
    /// False hides the number from <c>GET /numbers</c> while it stays owned (attachable, readable by slug): Synthflow
    /// documents that BYO numbers may be missing from that list although attached to agents.
    /// </param>
    public void AddNumber(string number, string? sid = null, bool listedInNumbers = true)
    {
        if (!E164.IsValid(number))
        {
            throw new ArgumentException($"'{number}' is not an E.164 number.", nameof(number));
        }

        lock (_gate)
        {
            if (_numbersByE164.ContainsKey(number))
            {
                throw new InvalidOperationException($"The workspace already owns {number}.");
            }

            var state = new NumberState(number, sid, TimeProvider.GetUtcNow(), listedInNumbers);
            _numbers.Add(state);
            _numbersByE164.Add(number, state);
        }
    }

    /// <summary>Adds an agent; list order is the order of creation.</summary>
    /// <param name="modelId">The agent's id.</param>
    /// <param name="name">Display name.</param>
    /// <param name="type"><c>outbound</c>, <c>inbound</c> or <c>widget</c>.</param>
    /// <param name="attachedNumbers">The outbound pool (outbound agents only); each number must be owned (<see cref="AddNumber"/>).</param>
    /// <param name="phoneNumber">The agent's own <c>phone_number</c> (an inbound agent's line); must be owned.</param>
    public void AddAgent(string modelId, string name, string type, IEnumerable<string>? attachedNumbers = null, string? phoneNumber = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentNullException.ThrowIfNull(name);
        if (type is not (AssistantTypes.Outbound or AssistantTypes.Inbound or AssistantTypes.Widget))
        {
            throw new ArgumentException($"Agent type must be {AssistantTypes.Outbound}, {AssistantTypes.Inbound} or {AssistantTypes.Widget}.", nameof(type));
        }

        string[] pool = attachedNumbers is null ? [] : [.. attachedNumbers.Distinct(StringComparer.Ordinal)];
        if (pool.Length > 0 && type != AssistantTypes.Outbound)
        {
            throw new ArgumentException("Only outbound agents have an attached pool.", nameof(attachedNumbers));
        }

        lock (_gate)
        {
            if (_agentsById.ContainsKey(modelId))
            {
                throw new InvalidOperationException($"Agent {modelId} already exists.");
            }

            foreach (var number in phoneNumber is null ? pool : [.. pool, phoneNumber])
            {
                if (!_numbersByE164.ContainsKey(number))
                {
                    throw new ArgumentException($"The workspace does not own {number}; add it with AddNumber first.", nameof(attachedNumbers));
                }
            }

            var agent = new AgentState(modelId, name, type, phoneNumber);
            agent.Attached.AddRange(pool);
            _agents.Add(agent);
            _agentsById.Add(modelId, agent);
        }
    }

    /// <summary>A snapshot of one agent with its pool (empty for agents without one), or null.</summary>
    public SandboxAgent? GetAgent(string modelId)
    {
        lock (_gate)
        {
            return _agentsById.TryGetValue(modelId, out var agent)
                ? new SandboxAgent
                {
                    ModelId = agent.ModelId,
                    Name = agent.Name,
                    Type = agent.Type,
                    Description = agent.Description,
                    PhoneNumber = agent.PhoneNumber,
                    AttachedPhoneNumbers = [.. AttachedOf(agent)],
                }
                : null;
        }
    }

    internal void Record(SandboxRequest request) => _requests.Enqueue(request);

    /// <summary>The agent's pool with each number's SID; a number no longer owned keeps a null SID rather than vanishing.</summary>
    private IEnumerable<SandboxPoolNumber> AttachedOf(AgentState agent) =>
        agent.Attached.Select(number => new SandboxPoolNumber(number, _numbersByE164.GetValueOrDefault(number)?.Sid, SynthflowContract.SlugOf(number)));

    private sealed class AgentState(string modelId, string name, string type, string? phoneNumber)
    {
        public string ModelId { get; } = modelId;
        public string Name { get; } = name;
        public string Type { get; } = type;
        public string? PhoneNumber { get; } = phoneNumber;

        /// <summary>E.164 numbers, in the order they joined the pool.</summary>
        public List<string> Attached { get; } = [];

        public bool IsOutbound => Type == AssistantTypes.Outbound;

        public string Description => $"{Name} ({Type} agent, Synthflow sandbox)";
    }

    private sealed record NumberState(string Number, string? Sid, DateTimeOffset CreatedAt, bool Listed)
    {
        public string Slug => SynthflowContract.SlugOf(Number);
    }
}
