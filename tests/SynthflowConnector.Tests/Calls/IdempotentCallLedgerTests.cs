using System.Net;
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
/// The idempotency state machine through <see cref="CallService"/>, on an in-memory versioned ledger and a fake clock,
/// with Synthflow as a strict mock: any call a test did not expect (a second dial, a lookup) fails the test.
/// </summary>
public sealed class IdempotentCallLedgerTests : IDisposable
{
    private const string Key = "key-1";
    private const string Agent = "agent-1";
    private const string Recipient = "+16175550199";

    private static readonly MakeCallCommand Command = new() { ModelId = Agent, Phone = Recipient, Name = "Ada" };

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryCallLedger _ledger = new();
    private readonly Mock<ISynthflowClient> _synthflow = new(MockBehavior.Strict);
    private readonly CapturingLoggerProvider _logs = new();
    private readonly LoggerFactory _loggerFactory;
    private readonly CallService _service;
    private readonly IdempotentCallLedger _attempts;

    public IdempotentCallLedgerTests()
    {
        _loggerFactory = new LoggerFactory([_logs]);
        var calls = Options.Create(new CallsOptions());
        var synthflowOptions = Options.Create(new SynthflowOptions());
        _synthflow.Setup(c => c.GetAgentAsync(Agent, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new SynthflowAgent { ModelId = Agent, Type = AgentTypes.Outbound });
        _service = new CallService(
            _synthflow.Object,
            new AgentPhoneNumberService(_synthflow.Object, new AttachedNumbersCache(calls, _clock)),
            new CallerIdService(new Mock<ICallerIdStore>(MockBehavior.Strict).Object),
            _ledger,
            calls,
            synthflowOptions,
            _clock,
            _loggerFactory.CreateLogger<CallService>());
        _attempts = new IdempotentCallLedger(_ledger, _synthflow.Object, calls, synthflowOptions, _clock, _loggerFactory.CreateLogger<CallService>());
    }

    public void Dispose() => _loggerFactory.Dispose();

    [Fact]
    public async Task A_first_claim_places_the_call_and_records_it_completed()
    {
        PlaceAnswers(Placed("call-1"));

        var outcome = await _service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Null(outcome.Failure);
        Assert.Equal("call-1", outcome.Response!.CallId);
        Assert.False(outcome.Response.IdempotentReplay);
        var entry = _ledger[Key]!;
        Assert.Equal(CallLedgerStates.Completed, entry.State);
        Assert.Equal("call-1", entry.CallId);
        Assert.Equal(Command.Hash(), entry.RequestHash);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromHours(24), entry.ExpiresAt);
        PlacedTimes(1);
        Assert.Contains(_logs.Lines, line => line.Contains("+1617*****99", StringComparison.Ordinal));
        Assert.DoesNotContain(_logs.Lines, line => line.Contains("6175550199", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_completed_key_replays_its_result_without_placing_again()
    {
        PlaceAnswers(Placed("call-1"));
        var first = await _service.MakeCallAsync(Command, Key, CancellationToken.None);
        _clock.Advance(TimeSpan.FromHours(1));

        var replay = await _service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Null(replay.Failure);
        Assert.True(replay.Response!.IdempotentReplay);
        Assert.Equal(first.Response! with { IdempotentReplay = true }, replay.Response);
        PlacedTimes(1);
    }

    [Fact]
    public async Task The_same_key_for_a_different_request_is_refused_as_reused()
    {
        PlaceAnswers(Placed("call-1"));
        await _service.MakeCallAsync(Command, Key, CancellationToken.None);

        var outcome = await _service.MakeCallAsync(Command with { Name = "Grace" }, Key, CancellationToken.None);

        Assert.Null(outcome.Response);
        Assert.Equal(CallFailureKind.IdempotencyKeyReused, outcome.Failure!.Kind);
        Assert.Equal("Idempotency-Key", outcome.Failure.Field);
        Assert.Equal("call-1", _ledger[Key]!.CallId);
        PlacedTimes(1);
    }

    [Fact]
    public async Task A_key_in_flight_within_its_lease_answers_in_flight_with_the_remaining_lease()
    {
        Assert.NotNull((await _attempts.ClaimAsync(Key, Command, CancellationToken.None)).Claim);
        _clock.Advance(TimeSpan.FromSeconds(20));

        var outcome = await _service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Null(outcome.Response);
        Assert.Equal(CallFailureKind.IdempotencyKeyInFlight, outcome.Failure!.Kind);
        Assert.Equal(TimeSpan.FromSeconds(60), _attempts.Lease); // Synthflow's 30 s timeout plus 30 s to record the answer.
        Assert.Equal(TimeSpan.FromSeconds(40), outcome.Failure.RetryAfter);
        PlacedTimes(0);
    }

    [Fact]
    public async Task An_expired_entry_is_taken_over_and_placed_anew_without_a_lookup()
    {
        PlaceAnswers(Placed("call-1"), Placed("call-2"));
        await _service.MakeCallAsync(Command, Key, CancellationToken.None);
        _clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));

        var outcome = await _service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.False(outcome.Response!.IdempotentReplay);
        Assert.Equal("call-2", outcome.Response.CallId);
        Assert.Equal("call-2", _ledger[Key]!.CallId);
        Assert.Equal(_clock.GetUtcNow() + TimeSpan.FromHours(24), _ledger[Key]!.ExpiresAt);
        PlacedTimes(2);
    }

    [Fact]
    public async Task An_in_flight_entry_past_its_lease_is_resolved_by_a_lookup_before_placing()
    {
        var started = _clock.GetUtcNow();
        Assert.NotNull((await _attempts.ClaimAsync(Key, Command, CancellationToken.None)).Claim); // Its process then died.
        _clock.Advance(_attempts.Lease + TimeSpan.FromSeconds(1));
        CallSearch? asked = null;
        _synthflow.Setup(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>()))
            .Callback((CallSearch search, CancellationToken _) => asked = search)
            .Returns(Listing());
        PlaceAnswers(Placed("call-1"));

        var outcome = await _service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Equal(new CallSearch { ModelId = Agent, LeadPhoneNumber = Recipient, From = started - TimeSpan.FromMinutes(2) }, asked);
        Assert.False(outcome.Response!.IdempotentReplay);
        Assert.Equal(CallLedgerStates.Completed, _ledger[Key]!.State);
        PlacedTimes(1);
    }

    [Fact]
    public async Task An_unknown_outcome_whose_call_is_found_at_Synthflow_is_adopted_without_placing_again()
    {
        var started = _clock.GetUtcNow();
        await LoseTheFirstAnswerAsync();
        _clock.Advance(TimeSpan.FromSeconds(5));
        _synthflow.Setup(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>())).Returns(Listing(calls:
        [
            new SynthflowCall { CallId = "older-call", StartTime = started - TimeSpan.FromMinutes(10) },
            new SynthflowCall { CallId = "lost-call", StartTime = started + TimeSpan.FromSeconds(1) },
        ]));

        var outcome = await _service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Null(outcome.Failure);
        Assert.True(outcome.Response!.IdempotentReplay);
        Assert.Equal("lost-call", outcome.Response.CallId);
        Assert.Equal(CallerIdStrategies.SynthflowDefault, outcome.Response.CallerIdStrategy);
        Assert.Equal(CallLedgerStates.Completed, _ledger[Key]!.State);
        Assert.Equal("lost-call", _ledger[Key]!.CallId);
        PlacedTimes(1); // Only the attempt whose answer was lost.
        Assert.Contains(_logs.Lines, line => line.Contains("Adopted call lost-call to +1617*****99", StringComparison.Ordinal));
        Assert.DoesNotContain(_logs.Lines, line => line.Contains("6175550199", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_outcome_provably_absent_at_Synthflow_is_placed_anew_exactly_once()
    {
        await LoseTheFirstAnswerAsync(then: Placed("call-2"));
        _synthflow.Setup(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>())).Returns(Listing());

        var placed = await _service.MakeCallAsync(Command, Key, CancellationToken.None);
        var replay = await _service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Equal("call-2", placed.Response!.CallId);
        Assert.False(placed.Response.IdempotentReplay);
        Assert.Equal("call-2", replay.Response!.CallId);
        Assert.True(replay.Response.IdempotentReplay);
        PlacedTimes(2); // The lost attempt and the one new call.
        _synthflow.Verify(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task When_the_lookup_fails_the_outcome_stays_unknown_and_nothing_is_placed()
    {
        await LoseTheFirstAnswerAsync();
        _synthflow.Setup(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>()))
            .Returns(Listing(failure: Transport("list-calls")));

        var outcome = await _service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Null(outcome.Response);
        Assert.Equal(CallFailureKind.OutcomeUnknown, outcome.Failure!.Kind);
        Assert.Equal(TimeSpan.FromSeconds(30), outcome.Failure.RetryAfter);
        Assert.Equal(CallLedgerStates.Unknown, _ledger[Key]!.State);
        PlacedTimes(1);
    }

    [Fact]
    public async Task A_concurrent_takeover_between_read_and_replace_is_read_again_and_never_placed_twice()
    {
        await LoseTheFirstAnswerAsync();
        _synthflow.Setup(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>())).Returns(Listing());
        _ledger.BeforeNextReplace = async () =>
        {
            // Another instance resolved the same key first and now holds it.
            var seen = _ledger[Key]!;
            var now = _clock.GetUtcNow();
            Assert.NotNull(await _ledger.TryReplaceAsync(Key, seen with { State = CallLedgerStates.InFlight, AttemptStartedAt = now, LeaseUntil = now + _attempts.Lease }, seen.Version, CancellationToken.None));
        };

        var outcome = await _service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Equal(CallFailureKind.IdempotencyKeyInFlight, outcome.Failure!.Kind);
        Assert.Equal(_attempts.Lease, outcome.Failure.RetryAfter);
        PlacedTimes(1);
    }

    [Fact]
    public async Task A_concurrent_adoption_between_read_and_replace_is_read_again_and_replayed()
    {
        await LoseTheFirstAnswerAsync();
        _synthflow.Setup(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>()))
            .Returns(Listing(calls: [new SynthflowCall { CallId = "lost-call", StartTime = _clock.GetUtcNow() }]));
        _ledger.BeforeNextReplace = async () =>
        {
            var seen = _ledger[Key]!;
            Assert.NotNull(await _ledger.TryReplaceAsync(Key, seen with { State = CallLedgerStates.Completed, CallId = "lost-call", CallerIdReason = "adopted by the other instance" }, seen.Version, CancellationToken.None));
        };

        var outcome = await _service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.True(outcome.Response!.IdempotentReplay);
        Assert.Equal("lost-call", outcome.Response.CallId);
        Assert.Equal("adopted by the other instance", outcome.Response.CallerIdReason);
        PlacedTimes(1);
    }

    [Fact]
    public async Task A_Synthflow_error_answer_releases_the_key_so_a_retry_places()
    {
        _synthflow.SetupSequence(c => c.PlaceCallAsync(It.IsAny<PlaceCallRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(SynthflowApiException.FromResponse("place-call", HttpStatusCode.BadRequest, """{"detail":{"description":"invalid phone"}}"""u8, null))
            .Returns(Placed("call-1"));

        await Assert.ThrowsAsync<SynthflowApiException>(() => _service.MakeCallAsync(Command, Key, CancellationToken.None));
        Assert.Null(_ledger[Key]);
        var retry = await _service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Equal("call-1", retry.Response!.CallId);
        Assert.False(retry.Response.IdempotentReplay);
        PlacedTimes(2);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_lost_answer_marks_the_entry_unknown_with_the_chosen_caller_id(bool canceled)
    {
        Exception lost = canceled ? new OperationCanceledException() : Transport("place-call");
        _synthflow.Setup(c => c.PlaceCallAsync(It.IsAny<PlaceCallRequest>(), It.IsAny<CancellationToken>())).ThrowsAsync(lost);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => _service.MakeCallAsync(Command, Key, CancellationToken.None));

        Assert.Same(lost, thrown);
        var entry = _ledger[Key]!;
        Assert.Equal(CallLedgerStates.Unknown, entry.State);
        Assert.Null(entry.CallId);
        Assert.Null(entry.FromPhoneNumber);
        Assert.Equal(CallerIdStrategies.SynthflowDefault, entry.CallerIdStrategy);
        Assert.False(string.IsNullOrEmpty(entry.CallerIdReason));
    }

    /// <summary>The first attempt gets no answer (the call may exist); later dials answer <paramref name="then"/>.</summary>
    private async Task LoseTheFirstAnswerAsync(Task<CallPlaced>? then = null)
    {
        var answers = _synthflow.SetupSequence(c => c.PlaceCallAsync(It.IsAny<PlaceCallRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(Transport("place-call"));
        if (then is not null)
        {
            answers.Returns(then);
        }

        await Assert.ThrowsAsync<SynthflowTransportException>(() => _service.MakeCallAsync(Command, Key, CancellationToken.None));
        Assert.Equal(CallLedgerStates.Unknown, _ledger[Key]!.State);
    }

    private void PlaceAnswers(params Task<CallPlaced>[] answers)
    {
        var sequence = _synthflow.SetupSequence(c => c.PlaceCallAsync(It.IsAny<PlaceCallRequest>(), It.IsAny<CancellationToken>()));
        foreach (var answer in answers)
        {
            sequence = sequence.Returns(answer);
        }
    }

    private void PlacedTimes(int times) =>
        _synthflow.Verify(c => c.PlaceCallAsync(It.IsAny<PlaceCallRequest>(), It.IsAny<CancellationToken>()), Times.Exactly(times));

    private static Task<CallPlaced> Placed(string callId) => Task.FromResult(new CallPlaced(callId, 7));

    private static SynthflowTransportException Transport(string operation) =>
        new("Synthflow did not answer in time.", null) { Operation = operation, IsTimeout = true };

    /// <summary>Synthflow's <c>GET /calls</c>: the given calls, then <paramref name="failure"/> if any (a page that failed).</summary>
    private static async IAsyncEnumerable<SynthflowCall> Listing(Exception? failure = null, SynthflowCall[]? calls = null)
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
