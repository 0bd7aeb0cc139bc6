using Moq;
using SynthflowConnector.Calls;
using SynthflowConnector.Synthflow;
using static SynthflowConnector.Tests.Calls.IdempotencyHarness;

namespace SynthflowConnector.Tests.Calls;

/// <summary>
/// An earlier attempt's unknown outcome (answer lost, or its process died) is resolved by looking the call up at
/// Synthflow: adopted when found, placed anew exactly once when provably absent, never placed while unknowable; a
/// concurrent writer moving the entry meanwhile makes the request read again instead of dialling.
/// </summary>
public sealed class IdempotentCallResolutionTests : IDisposable
{
    private readonly IdempotencyHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task An_in_flight_entry_past_its_lease_is_resolved_by_a_lookup_before_placing()
    {
        var started = _harness.Clock.GetUtcNow();
        Assert.NotNull((await _harness.Attempts.ClaimAsync(Key, Command, CancellationToken.None)).Claim); // Its process then died.
        _harness.Clock.Advance(_harness.Attempts.Lease + TimeSpan.FromSeconds(1));
        CallSearch? asked = null;
        _harness.Synthflow.Setup(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>()))
            .Callback((CallSearch search, CancellationToken _) => asked = search)
            .Returns(Listing());
        _harness.PlaceAnswers(Placed("call-1"));

        var outcome = await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Equal(new CallSearch { ModelId = Agent, LeadPhoneNumber = Recipient, From = started - TimeSpan.FromMinutes(2) }, asked);
        Assert.False(outcome.Response!.IdempotentReplay);
        Assert.Equal(CallLedgerStates.Completed, _harness.Ledger[Key]!.State);
        _harness.PlacedTimes(1);
    }


    [Fact]
    public async Task An_unknown_outcome_whose_call_is_found_at_Synthflow_is_adopted_without_placing_again()
    {
        var started = _harness.Clock.GetUtcNow();
        await _harness.LoseTheFirstAnswerAsync();
        _harness.Clock.Advance(TimeSpan.FromSeconds(5));
        _harness.Synthflow.Setup(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>())).Returns(Listing(calls:
        [
            new SynthflowCall { CallId = "older-call", StartTime = started - TimeSpan.FromMinutes(10) },
            new SynthflowCall { CallId = "lost-call", StartTime = started + TimeSpan.FromSeconds(1) },
        ]));

        var outcome = await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Null(outcome.Failure);
        Assert.True(outcome.Response!.IdempotentReplay);
        Assert.Equal("lost-call", outcome.Response.CallId);
        Assert.Equal(CallerIdStrategies.SynthflowDefault, outcome.Response.CallerIdStrategy);
        Assert.Equal(CallLedgerStates.Completed, _harness.Ledger[Key]!.State);
        Assert.Equal("lost-call", _harness.Ledger[Key]!.CallId);
        _harness.PlacedTimes(1); // Only the attempt whose answer was lost.
        Assert.Contains(_harness.Logs.Lines, line => line.Contains("Adopted call lost-call to +1617*****99", StringComparison.Ordinal));
        Assert.DoesNotContain(_harness.Logs.Lines, line => line.Contains("6175550199", StringComparison.Ordinal));
    }


    [Fact]
    public async Task An_unknown_outcome_provably_absent_at_Synthflow_is_placed_anew_exactly_once()
    {
        await _harness.LoseTheFirstAnswerAsync(then: Placed("call-2"));
        _harness.Synthflow.Setup(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>())).Returns(Listing());

        var placed = await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);
        var replay = await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Equal("call-2", placed.Response!.CallId);
        Assert.False(placed.Response.IdempotentReplay);
        Assert.Equal("call-2", replay.Response!.CallId);
        Assert.True(replay.Response.IdempotentReplay);
        _harness.PlacedTimes(2); // The lost attempt and the one new call.
        _harness.Synthflow.Verify(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>()), Times.Once);
    }


    [Fact]
    public async Task When_the_lookup_fails_the_outcome_stays_unknown_and_nothing_is_placed()
    {
        await _harness.LoseTheFirstAnswerAsync();
        _harness.Synthflow.Setup(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>()))
            .Returns(Listing(failure: Transport("list-calls")));

        var outcome = await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Null(outcome.Response);
        Assert.Equal(CallFailureKind.OutcomeUnknown, outcome.Failure!.Kind);
        Assert.Equal(TimeSpan.FromSeconds(30), outcome.Failure.RetryAfter);
        Assert.Equal(CallLedgerStates.Unknown, _harness.Ledger[Key]!.State);
        _harness.PlacedTimes(1);
    }


    [Fact]
    public async Task A_concurrent_takeover_between_read_and_replace_is_read_again_and_never_placed_twice()
    {
        await _harness.LoseTheFirstAnswerAsync();
        _harness.Synthflow.Setup(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>())).Returns(Listing());
        _harness.Ledger.BeforeNextReplace = async () =>
        {
            // Another instance resolved the same key first and now holds it.
            var seen = _harness.Ledger[Key]!;
            var now = _harness.Clock.GetUtcNow();
            Assert.NotNull(await _harness.Ledger.TryReplaceAsync(Key, seen with { State = CallLedgerStates.InFlight, AttemptStartedAt = now, LeaseUntil = now + _harness.Attempts.Lease }, seen.Version, CancellationToken.None));
        };

        var outcome = await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Equal(CallFailureKind.IdempotencyKeyInFlight, outcome.Failure!.Kind);
        Assert.Equal(_harness.Attempts.Lease, outcome.Failure.RetryAfter);
        _harness.PlacedTimes(1);
    }


    [Fact]
    public async Task A_concurrent_adoption_between_read_and_replace_is_read_again_and_replayed()
    {
        await _harness.LoseTheFirstAnswerAsync();
        _harness.Synthflow.Setup(c => c.ListCallsAsync(It.IsAny<CallSearch>(), It.IsAny<CancellationToken>()))
            .Returns(Listing(calls: [new SynthflowCall { CallId = "lost-call", StartTime = _harness.Clock.GetUtcNow() }]));
        _harness.Ledger.BeforeNextReplace = async () =>
        {
            var seen = _harness.Ledger[Key]!;
            Assert.NotNull(await _harness.Ledger.TryReplaceAsync(Key, seen with { State = CallLedgerStates.Completed, CallId = "lost-call", CallerIdReason = "adopted by the other instance" }, seen.Version, CancellationToken.None));
        };

        var outcome = await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.True(outcome.Response!.IdempotentReplay);
        Assert.Equal("lost-call", outcome.Response.CallId);
        Assert.Equal("adopted by the other instance", outcome.Response.CallerIdReason);
        _harness.PlacedTimes(1);
    }

}
