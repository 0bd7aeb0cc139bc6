using System.Net;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Tests.Campaigns;

/// <summary>The dispatcher driven on a fake clock: calling hours across DST, retries, pause/resume/cancel, suppression.</summary>
public sealed class CampaignDispatchTests
{
    private static readonly string[] Everyone = [CampaignRig.NewYork, CampaignRig.LosAngeles, CampaignRig.London];

    [Theory]
    [InlineData("2025-03-06T00:00:00Z", CampaignRig.NewYork, "America/New_York")] // US clocks go forward on Sunday 9 March
    [InlineData("2025-03-27T00:00:00Z", CampaignRig.London, "Europe/London")]    // UK clocks go forward on Sunday 30 March
    [InlineData("2025-10-24T00:00:00Z", CampaignRig.London, "Europe/London")]    // UK back on 26 October
    [InlineData("2025-10-31T00:00:00Z", CampaignRig.LosAngeles, "America/Los_Angeles")] // US back on 2 November
    public async Task New_York_Los_Angeles_and_London_are_each_dialled_only_inside_their_hours_across_a_DST_change(string start, string changing, string changingZone)
    {
        using var rig = new CampaignRig(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture));
        var command = CampaignRig.Command(Everyone) with
        {
            CallingHours = new CallingHoursInput("09:00", "12:00", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
            Retry = new CampaignRetryInput(5, TimeSpan.FromHours(20), ["no-answer"]),
        };
        await rig.CreateAsync(command);

        await rig.DriveAsync(rig.Clock.GetUtcNow().AddDays(6), TimeSpan.FromMinutes(5), _ => "no-answer");

        foreach (var (phone, zoneId) in new[] { (CampaignRig.NewYork, "America/New_York"), (CampaignRig.LosAngeles, "America/Los_Angeles"), (CampaignRig.London, "Europe/London") })
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
            var dials = rig.Synthflow.PlacedAt(phone);
            Assert.Equal(5, dials.Count);
            Assert.All(dials, at =>
            {
                var local = TimeZoneInfo.ConvertTime(at, zone);
                Assert.InRange(local.TimeOfDay, TimeSpan.FromHours(9), TimeSpan.FromHours(12) - TimeSpan.FromTicks(1));
            });

            // One dial a local day, each at its window's opening (within a dispatcher step).
            Assert.Equal(5, dials.Select(at => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime)).Distinct().Count());
            Assert.All(dials, at => Assert.True(TimeZoneInfo.ConvertTime(at, zone).TimeOfDay < new TimeSpan(9, 5, 0)));
        }

        // The clocks did change in between: the same local opening fell at two different UTC times.
        var changed = TimeZoneInfo.FindSystemTimeZoneById(changingZone);
        Assert.Equal(2, rig.Synthflow.PlacedAt(changing).Select(at => TimeZoneInfo.ConvertTime(at, changed).Offset).Distinct().Count());
        Assert.Equal(2, rig.Synthflow.PlacedAt(changing).Select(at => at.UtcDateTime.TimeOfDay).Distinct().Count());
    }

    [Fact]
    public async Task Retries_are_spaced_by_min_spacing_inside_the_hours_and_capped_at_max_attempts()
    {
        using var rig = new CampaignRig(new DateTimeOffset(2025, 6, 2, 13, 0, 0, TimeSpan.Zero)); // 09:00 in New York
        var campaign = await rig.CreateAsync(CampaignRig.Command(CampaignRig.NewYork, CampaignRig.London) with
        {
            CallingHours = new CallingHoursInput("09:00", "14:00", ["mon", "tue", "wed", "thu", "fri"]),
            Retry = new CampaignRetryInput(3, TimeSpan.FromHours(3), ["busy", "no-answer"]),
        });

        await rig.DriveAsync(rig.Clock.GetUtcNow().AddDays(3), TimeSpan.FromMinutes(10), phone => phone == CampaignRig.NewYork ? "busy" : "completed");

        var dials = rig.Synthflow.PlacedAt(CampaignRig.NewYork);
        Assert.Equal(3, dials.Count);
        for (var i = 1; i < dials.Count; i++)
        {
            Assert.True(dials[i] - dials[i - 1] >= TimeSpan.FromHours(3) + TimeSpan.FromMinutes(10), $"attempt {i + 1} came {dials[i] - dials[i - 1]} after the one before");
        }

        Assert.Equal(dials[0].AddHours(3).AddMinutes(10), dials[1]); // 12:10 local: inside the hours
        Assert.Equal(new DateTimeOffset(2025, 6, 3, 13, 0, 0, TimeSpan.Zero), dials[2]); // 12:20 + 3 h is past 14:00: next morning
        Assert.Equal(1, rig.Synthflow.PlacedTo(CampaignRig.London));
        var newYork = await rig.RecipientAsync(campaign.Id, 0);
        Assert.Equal((RecipientState.Done, 3, "busy"), (newYork.State, newYork.Attempts, newYork.LastStatus));
        Assert.Equal(3, newYork.CallIds.Count);
        Assert.Equal(["campaign-" + campaign.Id + "-0-1", "campaign-" + campaign.Id + "-0-2", "campaign-" + campaign.Id + "-0-3"],
            rig.PlacedCalls.All.Where(p => p.ToPhoneNumber == CampaignRig.NewYork).OrderBy(p => p.PlacedAt).Select(p => p.IdempotencyKey));
        Assert.Equal(CampaignState.Completed, (await rig.Service.GetAsync(campaign.Id, CancellationToken.None))!.Campaign.State);
    }

    [Fact]
    public async Task Pause_stops_dispatch_resume_continues_and_cancel_ends_with_recipients_canceled()
    {
        using var rig = new CampaignRig(new DateTimeOffset(2025, 6, 2, 13, 0, 0, TimeSpan.Zero));
        var phones = Enumerable.Range(0, 6).Select(i => $"+1212555{i:D4}").ToArray();
        var campaign = await rig.CreateAsync(CampaignRig.Command(phones));
        rig.Settings.MaxParallelDials = 1;
        rig.Synthflow.AfterPlacing = _ =>
        {
            if (rig.Synthflow.Placements.Count == 2)
            {
                // Paused by someone else between two dials of one run.
                Assert.Equal(CampaignCommandResult.Done, rig.Service.PauseAsync(campaign.Id, CancellationToken.None).GetAwaiter().GetResult().Result);
            }

            return null;
        };

        await rig.DispatchAsync();
        Assert.Equal(2, rig.Synthflow.Placements.Count);
        rig.Clock.Advance(TimeSpan.FromMinutes(30));
        await rig.DispatchAsync();
        Assert.Equal(2, rig.Synthflow.Placements.Count);
        Assert.Null((await rig.Service.GetAsync(campaign.Id, CancellationToken.None))!.NextDispatchAt);

        await rig.Service.ResumeAsync(campaign.Id, CancellationToken.None);
        rig.Synthflow.AfterPlacing = _ =>
        {
            if (rig.Synthflow.Placements.Count == 4)
            {
                rig.Service.CancelAsync(campaign.Id, CancellationToken.None).GetAwaiter().GetResult();
            }

            return null;
        };
        await rig.DispatchAsync();
        await rig.DispatchAsync();
        rig.Clock.Advance(TimeSpan.FromDays(1));
        await rig.DispatchAsync();

        Assert.Equal(4, rig.Synthflow.Placements.Count);
        var recipients = rig.Store.Recipients(campaign.Id);
        Assert.Equal(4, recipients.Count(r => r.CallIds.Count == 1));
        Assert.All(recipients, r => Assert.Equal(RecipientState.Canceled, r.State));
        Assert.Equal(CampaignState.Canceled, (await rig.Service.GetAsync(campaign.Id, CancellationToken.None))!.Campaign.State);
        await rig.EndCallsAsync(_ => "completed");
        Assert.Equal(4, rig.Store.Recipients(campaign.Id).Count(r => r is { State: RecipientState.Canceled, LastStatus: "completed" }));
    }

    [Fact]
    public async Task Suppressed_numbers_are_skipped_also_when_added_after_the_start()
    {
        using var rig = new CampaignRig(new DateTimeOffset(2025, 6, 2, 13, 0, 0, TimeSpan.Zero));
        await rig.SuppressionService.AddAsync(CampaignRig.London, "asked us not to", CancellationToken.None);
        var campaign = await rig.CreateAsync(CampaignRig.Command(CampaignRig.NewYork, CampaignRig.London, CampaignRig.LosAngeles) with
        {
            Retry = new CampaignRetryInput(2, TimeSpan.FromHours(1), ["no-answer"]),
        });

        await rig.DispatchAsync();
        await rig.EndCallsAsync(_ => "no-answer");
        await rig.SuppressionService.AddAsync(CampaignRig.NewYork, null, CancellationToken.None);
        await rig.DriveAsync(rig.Clock.GetUtcNow().AddDays(1), TimeSpan.FromMinutes(15), _ => "no-answer");

        Assert.Equal(0, rig.Synthflow.PlacedTo(CampaignRig.London));
        Assert.Equal(1, rig.Synthflow.PlacedTo(CampaignRig.NewYork));
        Assert.Equal(2, rig.Synthflow.PlacedTo(CampaignRig.LosAngeles));
        var recipients = rig.Store.Recipients(campaign.Id);
        Assert.Equal((RecipientState.Skipped, SkippedReasons.Suppressed), (recipients[0].State, recipients[0].SkippedReason));
        Assert.Equal((RecipientState.Skipped, SkippedReasons.Suppressed), (recipients[1].State, recipients[1].SkippedReason));
        Assert.Equal((RecipientState.Done, "no-answer"), (recipients[2].State, recipients[2].LastStatus));
        Assert.Equal(CampaignState.Completed, (await rig.Service.GetAsync(campaign.Id, CancellationToken.None))!.Campaign.State);
    }

    [Fact]
    public async Task A_refusal_by_Synthflow_frees_the_attempt_for_a_later_retry_and_a_lasting_one_ends_the_recipient()
    {
        using var rig = new CampaignRig(new DateTimeOffset(2025, 6, 2, 13, 0, 0, TimeSpan.Zero));
        var campaign = await rig.CreateAsync(CampaignRig.Command(CampaignRig.London, CampaignRig.NewYork));
        rig.Settings.MaxParallelDials = 1;
        rig.Synthflow.Refuse = request => SynthflowApiException.FromResponse(
            "place-call", request.Phone == CampaignRig.NewYork ? HttpStatusCode.TooManyRequests : HttpStatusCode.BadRequest, "{}"u8, null);

        var refused = await rig.DispatchAsync();
        rig.Synthflow.Refuse = null;
        var newYork = await rig.RecipientAsync(campaign.Id, 1);
        Assert.Equal(0, refused.Throttled); // a 429 defers the recipient; the run goes on (the pacer holds the account back)
        Assert.Equal((RecipientState.Pending, 0), (newYork.State, newYork.Attempts));
        Assert.Equal(rig.Clock.GetUtcNow() + rig.Settings.NotPlacedRetryDelay, newYork.NextAttemptAt);
        var london = await rig.RecipientAsync(campaign.Id, 0);
        Assert.Equal((RecipientState.Done, 0, CampaignDialer.NotPlaced), (london.State, london.Attempts, london.LastStatus));

        rig.Clock.Advance(rig.Settings.NotPlacedRetryDelay);
        await rig.DispatchAsync();

        Assert.Equal(1, rig.Synthflow.PlacedTo(CampaignRig.NewYork));
        Assert.Equal(0, rig.Synthflow.PlacedTo(CampaignRig.London));
        Assert.Equal(1, (await rig.RecipientAsync(campaign.Id, 1)).Attempts);
        Assert.Equal("campaign-" + campaign.Id + "-1-1", Assert.Single(rig.PlacedCalls.All).IdempotencyKey);
    }

    [Fact]
    public async Task A_call_whose_end_never_arrives_is_looked_up_after_the_call_end_timeout()
    {
        using var rig = new CampaignRig(new DateTimeOffset(2025, 6, 2, 13, 0, 0, TimeSpan.Zero));
        var campaign = await rig.CreateAsync(CampaignRig.Command(CampaignRig.NewYork));
        await rig.DispatchAsync();
        var callId = Assert.Single(rig.Synthflow.Placements).CallId;

        rig.Clock.Advance(rig.Settings.CallEndTimeout - TimeSpan.FromMinutes(1));
        await rig.DispatchAsync();
        Assert.Equal(RecipientState.Calling, (await rig.RecipientAsync(campaign.Id, 0)).State);
        rig.Clock.Advance(TimeSpan.FromMinutes(1));
        await rig.DispatchAsync(); // Still in progress at Synthflow: asked again later.
        Assert.Equal(RecipientState.Calling, (await rig.RecipientAsync(campaign.Id, 0)).State);

        rig.Synthflow.Calls[callId] = rig.Synthflow.Calls[callId] with { Status = "no-answer" };
        rig.Clock.Advance(rig.Settings.ResumeAfter);
        await rig.DispatchAsync();
        await rig.DispatchAsync();

        var recipient = await rig.RecipientAsync(campaign.Id, 0);
        Assert.Equal((RecipientState.Done, "no-answer", 1), (recipient.State, recipient.LastStatus, rig.Synthflow.Placements.Count));
        Assert.Equal(CampaignState.Completed, (await rig.Service.GetAsync(campaign.Id, CancellationToken.None))!.Campaign.State);
    }
}
