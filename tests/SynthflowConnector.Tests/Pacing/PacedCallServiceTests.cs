using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Moq;
using SynthflowConnector.Agents;
using SynthflowConnector.Calls;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Calls;
using SynthflowConnector.Tests.Hooks.Core;

namespace SynthflowConnector.Tests.Pacing;

/// <summary>Make-a-call with the pacer: slot before placing, bound after, freed at once on an error answer; no slot → PacingUnavailable.</summary>
public sealed class PacedCallServiceTests
{
    private readonly PacingRig _rig = new(new PacingLimits { CallsPerSecond = 1, MaxConcurrentCalls = 1, MaxWait = TimeSpan.FromSeconds(5) });
    private readonly InMemoryPlacedCallStore _placed = new();
    private readonly InMemoryCallLedger _ledger = new();

    private CallService Service(ISynthflowClient synthflow)
    {
        var calls = Options.Create(new CallsOptions());
        return new CallService(
            synthflow,
            new AgentPhoneNumberService(synthflow, new AttachedNumbersCache(calls, _rig.Clock)),
            new CallerIdService(new Mock<ICallerIdStore>(MockBehavior.Strict).Object),
            _ledger,
            calls,
            Options.Create(new SynthflowOptions()),
            _rig.Clock,
            NullLogger<CallService>.Instance,
            _placed,
            webhookReceiver: null,
            new AccountPacer(_rig.Store, _rig.Limits, _rig.Coordinator, _rig.Synthflow, _rig.Clock, NullLogger<AccountPacer>.Instance));
    }

    [Fact]
    public async Task A_placed_call_holds_its_slot_under_its_call_id_and_the_placed_record_names_the_slot()
    {
        var outcome = await Service(_rig.Synthflow).MakeCallAsync(IdempotencyHarness.Command, "key-1", CancellationToken.None);

        var (slotId, held) = Assert.Single(_rig.Store.State.Live);
        Assert.Equal(outcome.Response!.CallId, held.CallId);
        Assert.Equal(slotId, Assert.Single(_placed.All).PacingSlotId);
    }

    [Fact]
    public async Task A_Synthflow_error_answer_frees_the_slot_at_once_and_the_key()
    {
        var synthflow = new Mock<ISynthflowClient>();
        synthflow.Setup(s => s.GetAgentAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).ReturnsAsync(new SynthflowAgent { ModelId = IdempotencyHarness.Agent, Type = AgentTypes.Outbound });
        synthflow.Setup(s => s.PlaceCallAsync(It.IsAny<PlaceCallRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(SynthflowApiException.FromResponse("place-call", HttpStatusCode.TooManyRequests, "{}"u8, null));

        await Assert.ThrowsAsync<SynthflowApiException>(() => Service(synthflow.Object).MakeCallAsync(IdempotencyHarness.Command, "key-1", CancellationToken.None));

        Assert.Empty(_rig.Store.State.Live);
        Assert.Empty(_placed.All);
    }

    [Fact]
    public async Task Waiting_longer_than_the_allowed_wait_places_nothing_says_when_to_retry_and_frees_the_key()
    {
        var service = Service(_rig.Synthflow);
        await service.MakeCallAsync(IdempotencyHarness.Command with { Phone = "+16175550101" }, null, CancellationToken.None);
        var second = service.MakeCallAsync(IdempotencyHarness.Command, "key-2", CancellationToken.None);

        await _rig.PumpAsync([second]);

        var failure = (await second).Failure!;
        Assert.Equal(CallFailureKind.PacingUnavailable, failure.Kind);
        Assert.Equal(AccountPacer.FullRetryAfter, failure.RetryAfter);
        Assert.Single(_rig.Synthflow.PlaceRequests);
        Assert.Single(_rig.Store.State.Live);

        // The key was not spent: once the first call ends, a retry with it is placed.
        await _rig.Pacer.ReleaseAsync(Assert.Single(_placed.All).CallId, CancellationToken.None);
        var retry = await service.MakeCallAsync(IdempotencyHarness.Command, "key-2", CancellationToken.None);
        Assert.Null(retry.Failure);
        Assert.False(retry.Response!.IdempotentReplay);
    }
}
