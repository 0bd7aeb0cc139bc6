using SynthflowConnector.Calls;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Tests.Calls;

namespace SynthflowConnector.Tests.Campaigns;

/// <summary>A dispatcher killed at each point of an attempt, then run again (a new instance): nobody is dialled twice.</summary>
public sealed class CampaignCrashTests : IDisposable
{
    private static readonly string[] Phones = [.. Enumerable.Range(0, 8).Select(i => $"+1212555{i:D4}")];

    private readonly CampaignRig _rig = new(new DateTimeOffset(2025, 6, 2, 13, 0, 0, TimeSpan.Zero));

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task Killed_after_the_ledger_claim_and_before_the_dial_the_restart_dials_each_once()
    {
        var campaign = await _rig.CreateAsync(CampaignRig.Command(Phones));
        using var kill = new CancellationTokenSource();
        _rig.Synthflow.OnAgentRead = () =>
        {
            if (_rig.Synthflow.Placements.Count == 3)
            {
                kill.Cancel(); // The process dies while holding a ledger claim; its recipient shows the attempt.
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _rig.DispatchAsync(kill.Token));
        _rig.Synthflow.OnAgentRead = null;
        Assert.Contains(_rig.Store.Recipients(campaign.Id), r => r is { State: RecipientState.Calling, Attempts: 1, CallIds.Count: 0 });

        await RestartUntilEveryoneIsCalledAsync(campaign);
    }

    [Fact]
    public async Task Killed_after_Synthflow_placed_the_call_but_before_its_answer_the_restart_adopts_the_call()
    {
        var campaign = await _rig.CreateAsync(CampaignRig.Command(Phones));
        _rig.Settings.MaxParallelDials = 1;
        _rig.Synthflow.AfterPlacing = request => request.Phone == Phones[2] ? IdempotencyHarness.Transport("place-call") : null;

        await _rig.DispatchAsync();
        _rig.Synthflow.AfterPlacing = null;
        var lost = await _rig.RecipientAsync(campaign.Id, 2);
        Assert.Equal((RecipientState.Calling, 1, 0), (lost.State, lost.Attempts, lost.CallIds.Count));
        Assert.Equal(CallLedgerStates.Unknown, _rig.Ledger[CampaignNames.AttemptKey(campaign.Id, 2, 1)]!.State);

        await RestartUntilEveryoneIsCalledAsync(campaign);
        Assert.Equal(CallLedgerStates.Completed, _rig.Ledger[CampaignNames.AttemptKey(campaign.Id, 2, 1)]!.State);
    }

    [Fact]
    public async Task Killed_after_the_dial_before_the_call_id_was_recorded_the_restart_replays_it()
    {
        var campaign = await _rig.CreateAsync(CampaignRig.Command(Phones));
        _rig.Settings.MaxParallelDials = 1;
        using var kill = new CancellationTokenSource();
        _rig.Store.BeforeNextRecipientUpdate = null;
        _rig.Synthflow.AfterPlacing = request =>
        {
            if (request.Phone == Phones[4])
            {
                // Right after Synthflow answered: the next recipient write (the call id) never happens.
                _rig.Store.BeforeNextRecipientUpdate = _ => throw new OperationCanceledException("killed");
            }

            return null;
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _rig.DispatchAsync(kill.Token));
        _rig.Synthflow.AfterPlacing = null;
        Assert.Empty((await _rig.RecipientAsync(campaign.Id, 4)).CallIds);
        Assert.Equal(1, _rig.Synthflow.PlacedTo(Phones[4]));

        await RestartUntilEveryoneIsCalledAsync(campaign);
    }

    [Fact]
    public async Task Two_dispatchers_at_once_dial_each_recipient_once()
    {
        var campaign = await _rig.CreateAsync(CampaignRig.Command(Phones));

        await Task.WhenAll(Task.Run(() => _rig.DispatchAsync()), Task.Run(() => _rig.DispatchAsync()), Task.Run(() => _rig.DispatchAsync()));

        Assert.All(Phones, phone => Assert.Equal(1, _rig.Synthflow.PlacedTo(phone)));
        Assert.All(_rig.Store.Recipients(campaign.Id), r => Assert.Equal((RecipientState.Calling, 1, 1), (r.State, r.Attempts, r.CallIds.Count)));
    }

    /// <summary>New dispatchers run every 10 s for 5 minutes (past ResumeAfter): everyone is dialled exactly once, with their call recorded.</summary>
    private async Task RestartUntilEveryoneIsCalledAsync(Campaign campaign)
    {
        for (var i = 0; i < 30; i++)
        {
            await _rig.DispatchAsync();
            _rig.Clock.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.All(Phones, phone => Assert.Equal(1, _rig.Synthflow.PlacedTo(phone)));
        var recipients = _rig.Store.Recipients(campaign.Id);
        Assert.All(recipients, r => Assert.Equal((RecipientState.Calling, 1, 1), (r.State, r.Attempts, r.CallIds.Count)));
        Assert.Equal(_rig.Synthflow.Placements.Select(p => p.CallId).Order(), recipients.Select(r => r.CallIds[0]).Order());

        await _rig.EndCallsAsync(_ => "completed");
        await _rig.DispatchAsync();
        Assert.Equal(CampaignState.Completed, (await _rig.Service.GetAsync(campaign.Id, CancellationToken.None))!.Campaign.State);
        Assert.All(_rig.Store.Recipients(campaign.Id), r => Assert.Equal((RecipientState.Done, "completed"), (r.State, r.LastStatus)));
    }
}
