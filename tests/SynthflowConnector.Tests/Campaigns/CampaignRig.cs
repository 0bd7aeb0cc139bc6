using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using SynthflowConnector.Agents;
using SynthflowConnector.Calls;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Calls;
using SynthflowConnector.Tests.Hooks.Core;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Campaigns;

/// <summary>
/// The campaign engine on in-memory ports: the real <see cref="CallService"/> (ledger, placed-call record) over a fake
/// Synthflow that counts placements per number, a fake clock, the hooks' in-memory subscriptions and queues.
/// </summary>
internal sealed class CampaignRig : IDisposable
{
    public const string Agent = "agent-1";
    public const string NewYork = "+12125550101";
    public const string LosAngeles = "+13105550102";
    public const string London = "+442079460103";

    private readonly LoggerFactory _loggers;

    public CampaignRig(DateTimeOffset? start = null, ICampaignStore? store = null, ISuppressionStore? suppressions = null)
    {
        CampaignStore = store ?? Store;
        SuppressionStore = suppressions ?? Suppressions;
        _loggers = new LoggerFactory([Logs]);
        Clock = new FakeTimeProvider(start ?? new DateTimeOffset(2025, 3, 5, 12, 0, 0, TimeSpan.Zero));
        Synthflow = new CampaignSynthflow(Clock);
    }

    public FakeTimeProvider Clock { get; }

    public CapturingLoggerProvider Logs { get; } = new();

    public CampaignsOptions Settings { get; } = new();

    public InMemoryCampaignStore Store { get; } = new();

    public InMemorySuppressionStore Suppressions { get; } = new();

    /// <summary>What the services use: <see cref="Store"/> unless the rig was given a table store.</summary>
    public ICampaignStore CampaignStore { get; }

    public ISuppressionStore SuppressionStore { get; }

    public InMemoryCallLedger Ledger { get; } = new();

    public InMemoryPlacedCallStore PlacedCalls { get; } = new();

    public InMemorySubscriptionStore Subscriptions { get; } = new();

    public InMemoryHookQueues Queues { get; } = new();

    public CampaignSynthflow Synthflow { get; }

    public CampaignService Service => new(CampaignStore, new RecipientTimeZoneResolver(Clock), Clock, _loggers.CreateLogger<CampaignService>());

    public SuppressionService SuppressionService => new(SuppressionStore, Clock, _loggers.CreateLogger<SuppressionService>());

    public CampaignCompletion Completion => new(CampaignStore, Subscriptions, Queues, Clock, _loggers.CreateLogger<CampaignCompletion>());

    public CampaignCallEndedObserver Observer =>
        new(CampaignStore, SuppressionStore, Options.Create(Settings), Clock, _loggers.CreateLogger<CampaignCallEndedObserver>());

    public CampaignDispatcher Dispatcher => new(CampaignStore, SuppressionStore, Calls, Completion, Options.Create(Settings), Clock, _loggers.CreateLogger<CampaignDispatcher>(), PlacedCalls);

    public CallService Calls
    {
        get
        {
            // The agent is read on every dial (no cache), so a test can act right after a ledger claim.
            var calls = Options.Create(new CallsOptions { AttachedNumbersCacheDuration = TimeSpan.Zero });
            return new CallService(
                Synthflow,
                new AgentPhoneNumberService(Synthflow, new AttachedNumbersCache(calls, Clock)),
                new CallerIdService(new Mock<ICallerIdStore>(MockBehavior.Strict).Object),
                Ledger,
                calls,
                Options.Create(new SynthflowOptions()),
                Clock,
                _loggers.CreateLogger<CallService>(),
                PlacedCalls,
                new FixedReceiverAddress(new Uri("https://connector.example/api/webhooks/synthflow")));
        }
    }

    public void Dispose() => _loggers.Dispose();

    public static CreateCampaignCommand Command(params string[] phones) => new()
    {
        ModelId = Agent,
        Name = "Spring renewals",
        Recipients = [.. phones.Select((phone, i) => new CampaignRecipientInput(phone, $"Person {i}", null, null))],
        CallingHours = new CallingHoursInput("09:00", "20:00", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
    };

    public async Task<Campaign> CreateAsync(CreateCampaignCommand command, string? key = null)
    {
        var outcome = await Service.CreateAsync(command, key, CancellationToken.None);
        Assert.Null(outcome.Errors);
        return outcome.Campaign!;
    }

    public Task<DispatchSummary> DispatchAsync(CancellationToken cancellationToken = default) =>
        Dispatcher.RunAsync(TimeSpan.FromSeconds(9), cancellationToken);

    /// <summary>Ends every open placed call with the status <paramref name="statusOf"/> gives its number (the fan-out's call to the observer).</summary>
    public async Task<int> EndCallsAsync(Func<string, string> statusOf, System.Text.Json.Nodes.JsonObject? analysis = null)
    {
        var open = await PlacedCalls.ListOpenAsync(CancellationToken.None);
        foreach (var placed in open)
        {
            var ended = new CallEndedEvent
            {
                CallId = placed.CallId,
                ModelId = placed.ModelId,
                Status = statusOf(placed.ToPhoneNumber!),
                EndTime = Clock.GetUtcNow(),
                ReceivedAt = Clock.GetUtcNow(),
                Analysis = analysis?.DeepClone().AsObject(),
            };
            await Observer.OnCallEndedAsync(ended, placed, CancellationToken.None);
            await PlacedCalls.CloseAsync(placed.CallId, CancellationToken.None);
        }

        return open.Count;
    }

    /// <summary>Runs the dispatcher every <paramref name="step"/> until <paramref name="until"/>, ending each call at the next step.</summary>
    public async Task DriveAsync(DateTimeOffset until, TimeSpan step, Func<string, string> statusOf)
    {
        while (Clock.GetUtcNow() < until)
        {
            await DispatchAsync();
            Clock.Advance(step);
            await EndCallsAsync(statusOf);
        }
    }

    public async Task<CampaignRecipient> RecipientAsync(string campaignId, int index) =>
        (await CampaignStore.GetRecipientAsync(campaignId, index, CancellationToken.None))!;
}

/// <summary>A Synthflow that places calls (recording when and to whom), lists and gets them; faults on demand.</summary>
internal sealed class CampaignSynthflow(TimeProvider clock) : ISynthflowClient
{
    private int _placed;

    public ConcurrentQueue<(string Phone, DateTimeOffset At, string CallId)> Placements { get; } = new();

    public ConcurrentDictionary<string, SynthflowCall> Calls { get; } = new();

    /// <summary>Runs before each placement: an exception thrown here means the call was NOT placed.</summary>
    public Func<PlaceCallRequest, Exception?>? Refuse { get; set; }

    /// <summary>Runs after each placement: an exception thrown here is thrown although the call WAS placed.</summary>
    public Func<PlaceCallRequest, Exception?>? AfterPlacing { get; set; }

    /// <summary>Runs when the agent is read (after the ledger claim, before the dial).</summary>
    public Action? OnAgentRead { get; set; }

    public int PlacedTo(string phone) => Placements.Count(p => p.Phone == phone);

    public IReadOnlyList<DateTimeOffset> PlacedAt(string phone) => [.. Placements.Where(p => p.Phone == phone).Select(p => p.At)];

    public Task<SynthflowAgent> GetAgentAsync(string modelId, CancellationToken cancellationToken = default)
    {
        OnAgentRead?.Invoke();
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(new SynthflowAgent { ModelId = modelId, Type = AgentTypes.Outbound, AttachedPhoneNumbers = [] });
    }

    public Task<CallPlaced> PlaceCallAsync(PlaceCallRequest request, CancellationToken cancellationToken = default)
    {
        if (Refuse?.Invoke(request) is { } refused)
        {
            throw refused;
        }

        var callId = $"call-{Interlocked.Increment(ref _placed)}";
        Placements.Enqueue((request.Phone, clock.GetUtcNow(), callId));
        Calls[callId] = new SynthflowCall { CallId = callId, ModelId = request.ModelId, LeadPhoneNumber = request.Phone, StartTime = clock.GetUtcNow(), Status = "in-progress" };
        if (AfterPlacing?.Invoke(request) is { } lost)
        {
            throw lost;
        }

        return Task.FromResult(new CallPlaced(callId, 3));
    }

    public Task<SynthflowCall> GetCallAsync(string callId, CancellationToken cancellationToken = default) =>
        Calls.TryGetValue(callId, out var call)
            ? Task.FromResult(call)
            : throw SynthflowApiException.FromResponse("get-call", HttpStatusCode.NotFound, "{}"u8, null);

    public async IAsyncEnumerable<SynthflowCall> ListCallsAsync(CallSearch search, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        foreach (var call in Calls.Values.Where(c => c.ModelId == search.ModelId
            && (search.LeadPhoneNumber is null || c.LeadPhoneNumber == search.LeadPhoneNumber)
            && (search.From is null || c.StartTime >= search.From)))
        {
            yield return call;
        }
    }

    public IAsyncEnumerable<SynthflowAgent> ListAgentsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task AttachPhoneNumbersAsync(string modelId, AttachPhoneNumbers numbers, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task DetachPhoneNumberAsync(string modelId, string slug, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public IAsyncEnumerable<WorkspacePhoneNumber> ListPhoneNumbersAsync(bool? isAvailable = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();
}
