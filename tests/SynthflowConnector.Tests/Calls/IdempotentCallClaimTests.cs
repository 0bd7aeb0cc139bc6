using System.Net;
using Moq;
using SynthflowConnector.Calls;
using SynthflowConnector.Synthflow;
using static SynthflowConnector.Tests.Calls.IdempotencyHarness;

namespace SynthflowConnector.Tests.Calls;

/// <summary>
/// Claiming an Idempotency-Key: the first request places, duplicates are answered from the ledger (replay, reused,
/// in flight), an expired entry is taken over, and a failed dial releases the key or marks its outcome unknown.
/// </summary>
public sealed class IdempotentCallClaimTests : IDisposable
{
    private readonly IdempotencyHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task A_first_claim_places_the_call_and_records_it_completed()
    {
        _harness.PlaceAnswers(Placed("call-1"));

        var outcome = await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Null(outcome.Failure);
        Assert.Equal("call-1", outcome.Response!.CallId);
        Assert.False(outcome.Response.IdempotentReplay);
        var entry = _harness.Ledger[Key]!;
        Assert.Equal(CallLedgerStates.Completed, entry.State);
        Assert.Equal("call-1", entry.CallId);
        Assert.Equal(Command.Hash(), entry.RequestHash);
        Assert.Equal(_harness.Clock.GetUtcNow() + TimeSpan.FromHours(24), entry.ExpiresAt);
        _harness.PlacedTimes(1);
        Assert.Contains(_harness.Logs.Lines, line => line.Contains("+1617*****99", StringComparison.Ordinal));
        Assert.DoesNotContain(_harness.Logs.Lines, line => line.Contains("6175550199", StringComparison.Ordinal));
    }


    [Fact]
    public async Task A_completed_key_replays_its_result_without_placing_again()
    {
        _harness.PlaceAnswers(Placed("call-1"));
        var first = await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);
        _harness.Clock.Advance(TimeSpan.FromHours(1));

        var replay = await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Null(replay.Failure);
        Assert.True(replay.Response!.IdempotentReplay);
        Assert.Equal(first.Response! with { IdempotentReplay = true }, replay.Response);
        _harness.PlacedTimes(1);
    }


    [Fact]
    public async Task The_same_key_for_a_different_request_is_refused_as_reused()
    {
        _harness.PlaceAnswers(Placed("call-1"));
        await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);

        var outcome = await _harness.Service.MakeCallAsync(Command with { Name = "Grace" }, Key, CancellationToken.None);

        Assert.Null(outcome.Response);
        Assert.Equal(CallFailureKind.IdempotencyKeyReused, outcome.Failure!.Kind);
        Assert.Equal("Idempotency-Key", outcome.Failure.Field);
        Assert.Equal("call-1", _harness.Ledger[Key]!.CallId);
        _harness.PlacedTimes(1);
    }


    [Fact]
    public async Task A_key_in_flight_within_its_lease_answers_in_flight_with_the_remaining_lease()
    {
        Assert.NotNull((await _harness.Attempts.ClaimAsync(Key, Command, CancellationToken.None)).Claim);
        _harness.Clock.Advance(TimeSpan.FromSeconds(20));

        var outcome = await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Null(outcome.Response);
        Assert.Equal(CallFailureKind.IdempotencyKeyInFlight, outcome.Failure!.Kind);
        Assert.Equal(TimeSpan.FromSeconds(60), _harness.Attempts.Lease); // Synthflow's 30 s timeout plus 30 s to record the answer.
        Assert.Equal(TimeSpan.FromSeconds(40), outcome.Failure.RetryAfter);
        _harness.PlacedTimes(0);
    }


    [Fact]
    public async Task An_expired_entry_is_taken_over_and_placed_anew_without_a_lookup()
    {
        _harness.PlaceAnswers(Placed("call-1"), Placed("call-2"));
        await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);
        _harness.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));

        var outcome = await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.False(outcome.Response!.IdempotentReplay);
        Assert.Equal("call-2", outcome.Response.CallId);
        Assert.Equal("call-2", _harness.Ledger[Key]!.CallId);
        Assert.Equal(_harness.Clock.GetUtcNow() + TimeSpan.FromHours(24), _harness.Ledger[Key]!.ExpiresAt);
        _harness.PlacedTimes(2);
    }


    [Fact]
    public async Task A_Synthflow_error_answer_releases_the_key_so_a_retry_places()
    {
        _harness.Synthflow.SetupSequence(c => c.PlaceCallAsync(It.IsAny<PlaceCallRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(SynthflowApiException.FromResponse("place-call", HttpStatusCode.BadRequest, """{"detail":{"description":"invalid phone"}}"""u8, null))
            .Returns(Placed("call-1"));

        await Assert.ThrowsAsync<SynthflowApiException>(() => _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None));
        Assert.Null(_harness.Ledger[Key]);
        var retry = await _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None);

        Assert.Equal("call-1", retry.Response!.CallId);
        Assert.False(retry.Response.IdempotentReplay);
        _harness.PlacedTimes(2);
    }


    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_lost_answer_marks_the_entry_unknown_with_the_chosen_caller_id(bool canceled)
    {
        Exception lost = canceled ? new OperationCanceledException() : Transport("place-call");
        _harness.Synthflow.Setup(c => c.PlaceCallAsync(It.IsAny<PlaceCallRequest>(), It.IsAny<CancellationToken>())).ThrowsAsync(lost);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => _harness.Service.MakeCallAsync(Command, Key, CancellationToken.None));

        Assert.Same(lost, thrown);
        var entry = _harness.Ledger[Key]!;
        Assert.Equal(CallLedgerStates.Unknown, entry.State);
        Assert.Null(entry.CallId);
        Assert.Null(entry.FromPhoneNumber);
        Assert.Equal(CallerIdStrategies.SynthflowDefault, entry.CallerIdStrategy);
        Assert.False(string.IsNullOrEmpty(entry.CallerIdReason));
    }
}
