using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Moq;
using SynthflowConnector.Agents;
using SynthflowConnector.Calls;
using SynthflowConnector.Hooks;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Calls;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Hooks.Core;

/// <summary>Make-a-call's part in the trigger: Synthflow is told our receiver, the placed call is recorded, and a failure to record never fails the call.</summary>
public sealed class MakeCallWebhookTests : IDisposable
{
    private static readonly Uri Receiver = new("https://connector.example/api/webhooks/synthflow");
    private static readonly Uri Forward = new("https://crm.example/synthflow?token=t0k");

    private readonly LoggerFactory _loggers;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeSynthflowCalls _synthflow = new();
    private readonly InMemoryPlacedCallStore _placed = new();

    public MakeCallWebhookTests() => _loggers = new LoggerFactory([Logs]);

    private CapturingLoggerProvider Logs { get; } = new();

    public void Dispose() => _loggers.Dispose();

    [Fact]
    public async Task Synthflow_gets_our_receiver_and_the_placed_call_is_recorded_with_key_forward_url_and_numbers()
    {
        var command = IdempotencyHarness.Command with { ForwardWebhookUrl = Forward, FromPhoneNumber = null };

        var outcome = await Service(Receiver).MakeCallAsync(command, "key-9", CancellationToken.None);

        Assert.Null(outcome.Failure);
        Assert.Equal(Receiver.AbsoluteUri, Assert.Single(_synthflow.PlaceRequests).ExternalWebhookUrl);
        var placed = Assert.Single(_placed.All);
        Assert.Equal(outcome.Response!.CallId, placed.CallId);
        Assert.Equal(IdempotencyHarness.Agent, placed.ModelId);
        Assert.Equal(_clock.GetUtcNow(), placed.PlacedAt);
        Assert.Equal("key-9", placed.IdempotencyKey);
        Assert.Equal(Forward, placed.ForwardUrl);
        Assert.Equal(IdempotencyHarness.Recipient, placed.ToPhoneNumber);
        Assert.Equal(outcome.Response.FromPhoneNumber, placed.FromPhoneNumber);
    }

    [Fact]
    public async Task A_replayed_key_records_nothing_new()
    {
        var service = Service(Receiver);
        await service.MakeCallAsync(IdempotencyHarness.Command, "key-9", CancellationToken.None);

        var replay = await service.MakeCallAsync(IdempotencyHarness.Command, "key-9", CancellationToken.None);

        Assert.True(replay.Response!.IdempotentReplay);
        Assert.Single(_placed.All);
        Assert.Single(_synthflow.PlaceRequests);
    }

    [Fact]
    public async Task A_failure_to_record_is_logged_and_the_call_still_answers()
    {
        _placed.Fault = new StoreUnavailableException("Table storage is unreachable.", 503);

        var outcome = await Service(Receiver).MakeCallAsync(IdempotencyHarness.Command, null, CancellationToken.None);

        Assert.Null(outcome.Failure);
        Assert.Equal("call-1", outcome.Response!.CallId);
        Assert.Contains(Logs.Lines, line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("call-1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_receiver_address_the_requests_own_url_goes_to_synthflow_and_nothing_is_forwarded()
    {
        await Service(receiver: null).MakeCallAsync(IdempotencyHarness.Command with { ForwardWebhookUrl = Forward }, null, CancellationToken.None);

        Assert.Equal(Forward.AbsoluteUri, Assert.Single(_synthflow.PlaceRequests).ExternalWebhookUrl);
        Assert.Null(Assert.Single(_placed.All).ForwardUrl);
    }

    [Fact]
    public async Task Without_either_url_no_webhook_is_asked_for()
    {
        await Service(receiver: null).MakeCallAsync(IdempotencyHarness.Command, null, CancellationToken.None);

        Assert.Null(Assert.Single(_synthflow.PlaceRequests).ExternalWebhookUrl);
    }

    [Fact]
    public void The_forward_url_is_part_of_the_request_hash_and_absent_it_changes_nothing()
    {
        var plain = IdempotencyHarness.Command;

        Assert.NotEqual(plain.Hash(), (plain with { ForwardWebhookUrl = Forward }).Hash());
        Assert.NotEqual((plain with { ForwardWebhookUrl = Forward }).Hash(), (plain with { ForwardWebhookUrl = new Uri("https://crm.example/other") }).Hash());
        // The digest of a request without one is what it was before the field existed (a ledger entry made before stays valid).
        // SHA-256 of "agent-1␟+16175550199␟Ada␟␟␟␟␟␟␟" (the canonical form without a forward URL), computed outside .NET.
        Assert.Equal("ffb5a1f0f4a8d5bb24e1489ac67472d7f58114c49750843bcd073b35c8ba1475", plain.Hash());
    }

    private CallService Service(Uri? receiver)
    {
        var calls = Options.Create(new CallsOptions());
        return new CallService(
            _synthflow,
            new AgentPhoneNumberService(_synthflow, new AttachedNumbersCache(calls, _clock)),
            new CallerIdService(new Mock<ICallerIdStore>(MockBehavior.Strict).Object),
            new InMemoryCallLedger(),
            calls,
            Options.Create(new SynthflowOptions()),
            _clock,
            _loggers.CreateLogger<CallService>(),
            _placed,
            new FixedReceiverAddress(receiver));
    }
}
