using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using SynthflowConnector.Agents;
using SynthflowConnector.Calls;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Calls;

/// <summary>
/// A <see cref="CallService"/> and its <see cref="IdempotentCallLedger"/> on an in-memory versioned ledger and a fake
/// clock, with Synthflow as a strict mock: any call a test did not set up (a second dial, a lookup) fails the test.
/// </summary>
internal sealed class IdempotencyHarness : IDisposable
{
    public const string Key = "key-1";
    public const string Agent = "agent-1";
    public const string Recipient = "+16175550199";

    public static readonly MakeCallCommand Command = new() { ModelId = Agent, Phone = Recipient, Name = "Ada" };

    private readonly LoggerFactory _loggerFactory;

    public IdempotencyHarness()
    {
        _loggerFactory = new LoggerFactory([Logs]);
        var calls = Options.Create(new CallsOptions());
        var synthflowOptions = Options.Create(new SynthflowOptions());
        Synthflow.Setup(c => c.GetAgentAsync(Agent, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new SynthflowAgent { ModelId = Agent, Type = AgentTypes.Outbound });

        // The default strategy (synthflow-default) needs no caller-ID state: the strict store proves it is not touched.
        Service = new CallService(
            Synthflow.Object,
            new AgentPhoneNumberService(Synthflow.Object, new AttachedNumbersCache(calls, Clock)),
            new CallerIdService(new Mock<ICallerIdStore>(MockBehavior.Strict).Object),
            Ledger,
            calls,
            synthflowOptions,
            Clock,
            _loggerFactory.CreateLogger<CallService>());
        Attempts = new IdempotentCallLedger(Ledger, Synthflow.Object, calls, synthflowOptions, Clock, _loggerFactory.CreateLogger<CallService>());
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public InMemoryCallLedger Ledger { get; } = new();

    public Mock<ISynthflowClient> Synthflow { get; } = new(MockBehavior.Strict);

    public CapturingLoggerProvider Logs { get; } = new();

    public CallService Service { get; }

    /// <summary>The same state machine on the same ledger, for a test to act as another request (e.g. one that died).</summary>
    public IdempotentCallLedger Attempts { get; }

    public void Dispose() => _loggerFactory.Dispose();

    /// <summary>The first attempt gets no answer (the call may exist); later dials answer <paramref name="then"/>.</summary>
    public async Task LoseTheFirstAnswerAsync(Task<CallPlaced>? then = null)
    {
        var answers = Synthflow.SetupSequence(c => c.PlaceCallAsync(It.IsAny<PlaceCallRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(Transport("place-call"));
        if (then is not null)
        {
            answers.Returns(then);
        }

        await Assert.ThrowsAsync<SynthflowTransportException>(() => Service.MakeCallAsync(Command, Key, CancellationToken.None));
        Assert.Equal(CallLedgerStates.Unknown, Ledger[Key]!.State);
    }

    /// <summary>Synthflow answers the dials in order; a dial beyond them fails the test.</summary>
    public void PlaceAnswers(params Task<CallPlaced>[] answers)
    {
        var sequence = Synthflow.SetupSequence(c => c.PlaceCallAsync(It.IsAny<PlaceCallRequest>(), It.IsAny<CancellationToken>()));
        foreach (var answer in answers)
        {
            sequence = sequence.Returns(answer);
        }
    }

    public void PlacedTimes(int times) =>
        Synthflow.Verify(c => c.PlaceCallAsync(It.IsAny<PlaceCallRequest>(), It.IsAny<CancellationToken>()), Times.Exactly(times));

    public static Task<CallPlaced> Placed(string callId) => Task.FromResult(new CallPlaced(callId, 7));

    public static SynthflowTransportException Transport(string operation) =>
        new("Synthflow did not answer in time.", null) { Operation = operation, IsTimeout = true };

    /// <summary>Synthflow's <c>GET /calls</c>: the given calls, then <paramref name="failure"/> if any (a page that failed).</summary>
    public static async IAsyncEnumerable<SynthflowCall> Listing(Exception? failure = null, SynthflowCall[]? calls = null)
    {
        await Task.Yield();
        foreach (var call in calls ?? [])
        {
            yield return call;
        }

        if (failure is not null)
        {
            throw failure;
        }
    }
}
