using SynthflowConnector.Campaigns;

namespace SynthflowConnector.Tests.Campaigns;

/// <summary>Create (validation, merge, zones, idempotency), reads with counts, and the pause/resume/cancel commands.</summary>
public sealed class CampaignCreateTests : IDisposable
{
    private readonly CampaignRig _rig = new();

    public void Dispose() => _rig.Dispose();

    [Fact]
    public async Task Bad_recipients_and_settings_are_refused_with_row_index_and_field_and_nothing_is_stored()
    {
        var command = CampaignRig.Command() with
        {
            Recipients =
            [
                new(CampaignRig.NewYork, "Ada", null, null),
                new("12345", "Bob", null, null),
                new(CampaignRig.London, " ", null, null),
                new(CampaignRig.LosAngeles, "Cy", null, "Mars/Olympus"),
                new("+19075550100", "Di", null, null),
                new(CampaignRig.NewYork, "Ed", new Dictionary<string, string?> { [" "] = "x" }, null),
            ],
            Retry = new CampaignRetryInput(9, TimeSpan.FromSeconds(5), ["busy", "completed"]),
            CallingHours = new CallingHoursInput("25:00", null, null),
            CallerIdStrategy = "loudest",
        };

        var outcome = await _rig.Service.CreateAsync(command, "key-1", CancellationToken.None);

        Assert.Null(outcome.Campaign);
        var fields = outcome.Errors!.Select(e => e.Field).ToList();
        Assert.Equal(
            ["callerIdStrategy", "callingHours.start", "retry.maxAttempts", "retry.minSpacing", "retry.on[1]", "recipients[1].phone",
             "recipients[2].name", "recipients[3].leadTimezone", "recipients[4].phone", "recipients[5].customVariables"],
            fields);
        Assert.Contains("America/Anchorage", outcome.Errors!.Single(e => e.Field == "recipients[4].phone").Message, StringComparison.Ordinal);
        Assert.DoesNotContain(outcome.Errors!, e => e.Message.Contains("12345", StringComparison.Ordinal));
        Assert.Equal(0, _rig.Store.CampaignCount);
        Assert.Null(await _rig.Store.FindByIdempotencyKeyAsync("key-1", CancellationToken.None));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public async Task A_list_of_no_rows_or_more_than_ten_thousand_is_refused(int rows)
    {
        var command = CampaignRig.Command() with
        {
            Recipients = [.. Enumerable.Range(0, rows).Select(i => new CampaignRecipientInput($"+1212555{i:D4}", "P", null, null))],
        };

        var outcome = await _rig.Service.CreateAsync(command, null, CancellationToken.None);

        Assert.Equal("recipients", Assert.Single(outcome.Errors!).Field);
        Assert.Equal(0, _rig.Store.CampaignCount);
    }

    [Fact]
    public async Task Duplicates_are_merged_first_wins_and_each_zone_is_resolved()
    {
        var command = CampaignRig.Command() with
        {
            Recipients =
            [
                new(CampaignRig.NewYork, "First", null, null),
                new(CampaignRig.London, "Lon", new Dictionary<string, string?> { ["plan"] = "gold" }, null),
                new(" " + CampaignRig.NewYork, "Second", null, null),
                new(CampaignRig.LosAngeles, "Tokyo lead", null, "Asia/Tokyo"),
                new("+19075550100", "Alaska", null, null),
            ],
            DefaultTimezone = "America/Anchorage",
        };

        var outcome = await _rig.Service.CreateAsync(command, null, CancellationToken.None);

        Assert.Null(outcome.Errors);
        var recipients = _rig.Store.Recipients(outcome.Campaign!.Id);
        Assert.Equal([0, 1, 3, 4], recipients.Select(r => r.Index));
        Assert.Equal("First", recipients[0].Name);
        Assert.Equal(["America/New_York", "Europe/London", "Asia/Tokyo", "America/Anchorage"], recipients.Select(r => r.TimeZoneId));
        Assert.Equal("gold", Assert.Single(recipients[1].CustomVariables!).Value);
        Assert.All(recipients, r => Assert.Equal(RecipientState.Pending, r.State));
        Assert.Equal(4, outcome.Campaign.RecipientCount);
        Assert.Equal(4, outcome.Counts!.Total);
    }

    [Fact]
    public async Task The_same_key_and_body_replay_the_campaign_and_another_body_conflicts()
    {
        var command = CampaignRig.Command(CampaignRig.NewYork, CampaignRig.London);
        var first = await _rig.Service.CreateAsync(command, "key-7", CancellationToken.None);

        var replay = await _rig.Service.CreateAsync(command, "key-7", CancellationToken.None);
        var other = await _rig.Service.CreateAsync(command with { Name = "Other" }, "key-7", CancellationToken.None);

        Assert.False(first.Replayed);
        Assert.True(replay.Replayed);
        Assert.Equal(first.Campaign!.Id, replay.Campaign!.Id);
        Assert.Equal(2, replay.Counts!.Total);
        Assert.True(other.KeyConflict);
        Assert.Null(other.Campaign);
        Assert.Equal(1, _rig.Store.CampaignCount);
    }

    [Fact]
    public async Task A_campaign_reads_back_with_counts_next_dispatch_and_paged_recipients()
    {
        _rig.Clock.SetUtcNow(new DateTimeOffset(2025, 6, 2, 3, 0, 0, TimeSpan.Zero)); // 23:00 in New York, 04:00 in London
        var campaign = await _rig.CreateAsync(CampaignRig.Command(CampaignRig.NewYork, CampaignRig.London, CampaignRig.LosAngeles));

        var view = (await _rig.Service.GetAsync(campaign.Id, CancellationToken.None))!;
        var list = await _rig.Service.ListAsync(CancellationToken.None);
        var page = (await _rig.Service.ListRecipientsAsync(campaign.Id, RecipientState.Pending, null, 2, CancellationToken.None))!;
        var rest = (await _rig.Service.ListRecipientsAsync(campaign.Id, RecipientState.Pending, page.ContinuationToken, 2, CancellationToken.None))!;

        Assert.Equal(CampaignState.Running, view.Campaign.State);
        Assert.Equal(3, view.Counts.ByState[RecipientState.Pending]);
        Assert.Equal(new DateTimeOffset(2025, 6, 2, 8, 0, 0, TimeSpan.Zero), view.NextDispatchAt); // 09:00 in London
        Assert.Equal(campaign.Id, Assert.Single(list).Campaign.Id);
        Assert.Equal([0, 1], page.Items.Select(r => r.Index));
        Assert.Equal([2], rest.Items.Select(r => r.Index));
        Assert.Null(rest.ContinuationToken);
        Assert.Null(await _rig.Service.GetAsync("nope", CancellationToken.None));
        Assert.Null(await _rig.Service.ListRecipientsAsync("nope", null, null, 10, CancellationToken.None));
    }

    [Fact]
    public async Task A_future_start_schedules_the_campaign_and_pushes_its_next_dispatch()
    {
        var startAt = _rig.Clock.GetUtcNow().AddDays(2);
        var campaign = await _rig.CreateAsync(CampaignRig.Command(CampaignRig.London) with { StartAt = startAt });

        var view = (await _rig.Service.GetAsync(campaign.Id, CancellationToken.None))!;

        Assert.Equal(CampaignState.Scheduled, campaign.State);
        Assert.True(view.NextDispatchAt >= startAt);
    }

    [Fact]
    public async Task Pause_resume_and_cancel_are_idempotent_and_impossible_moves_conflict()
    {
        var campaign = await _rig.CreateAsync(CampaignRig.Command(CampaignRig.NewYork, CampaignRig.London));
        var service = _rig.Service;

        Assert.Equal(CampaignCommandResult.Done, (await service.PauseAsync(campaign.Id, CancellationToken.None)).Result);
        var pausedAgain = await service.PauseAsync(campaign.Id, CancellationToken.None);
        Assert.Equal(CampaignCommandResult.Done, pausedAgain.Result);
        Assert.Equal(CampaignState.Paused, pausedAgain.View!.Campaign.State);
        Assert.Null(pausedAgain.View.NextDispatchAt);
        Assert.Equal(CampaignState.Running, (await service.ResumeAsync(campaign.Id, CancellationToken.None)).View!.Campaign.State);
        Assert.Equal(CampaignCommandResult.Done, (await service.ResumeAsync(campaign.Id, CancellationToken.None)).Result);

        var canceled = await service.CancelAsync(campaign.Id, CancellationToken.None);
        Assert.Equal(CampaignState.Canceled, canceled.View!.Campaign.State);
        Assert.Equal(2, canceled.View.Counts.ByState[RecipientState.Canceled]);
        Assert.Equal(CampaignCommandResult.Done, (await service.CancelAsync(campaign.Id, CancellationToken.None)).Result);
        Assert.Equal(CampaignCommandResult.Conflict, (await service.ResumeAsync(campaign.Id, CancellationToken.None)).Result);
        Assert.Equal(CampaignCommandResult.Conflict, (await service.PauseAsync(campaign.Id, CancellationToken.None)).Result);
        Assert.Equal(CampaignCommandResult.NotFound, (await service.PauseAsync("nope", CancellationToken.None)).Result);
    }

    [Fact]
    public void Attempt_keys_round_trip_and_other_keys_are_not_campaign_keys()
    {
        var key = CampaignNames.AttemptKey("0123abcd", 42, 3);

        Assert.Equal("campaign-0123abcd-42-3", key);
        Assert.True(CampaignNames.TryParseAttemptKey(key, out var id, out var index, out var attempt));
        Assert.Equal(("0123abcd", 42, 3), (id, index, attempt));
        Assert.False(CampaignNames.TryParseAttemptKey("key-1", out _, out _, out _));
        Assert.False(CampaignNames.TryParseAttemptKey("campaign-x-1", out _, out _, out _));
        Assert.Equal("waiting-retry", RecipientState.WaitingRetry.ToName());
        Assert.True(CampaignNames.TryParseRecipientState("Done", out var done) && done == RecipientState.Done);
    }
}
