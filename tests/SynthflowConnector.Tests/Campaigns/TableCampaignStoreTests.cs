using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Synthflow;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Campaigns;

/// <summary>The campaign and suppression stores on real Azurite, each test in its own tables.</summary>
[Collection("Azurite")]
public sealed class TableCampaignStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = new(2025, 6, 2, 13, 0, 0, TimeSpan.Zero);

    private TableCampaignStore Store(TableClientOptions? options = null) =>
        new(azurite.CreateConnectorTables(options), new FakeTimeProvider(Now))
        {
            CampaignsTable = AzuriteFixture.UniqueTableName(),
            RecipientsTable = AzuriteFixture.UniqueTableName(),
        };

    private static Campaign NewCampaign(string? key = null) => new()
    {
        Id = CampaignNames.NewCampaignId(),
        ModelId = "agent-1",
        Name = "Renewals",
        State = CampaignState.Running,
        CallerIdStrategy = SynthflowConnector.Calls.CallerIdStrategy.LocalPresence,
        CallingHours = CallingHours.Parse("08:30", "19:00", ["mon", "fri"]).Value!,
        DefaultTimezone = "Europe/London",
        Retry = new CampaignRetryPolicy { MaxAttempts = 3, MinSpacing = TimeSpan.FromMinutes(45), On = ["busy", "no-answer"] },
        CreatedAt = Now,
        StartAt = Now.AddHours(1),
        RecipientCount = 0,
        IdempotencyKey = key,
        RequestHash = key is null ? null : "hash",
    };

    private static List<CampaignRecipient> NewRecipients(string campaignId, int count) =>
    [
        .. Enumerable.Range(0, count).Select(i => new CampaignRecipient
        {
            CampaignId = campaignId,
            Index = i * 2,
            Phone = $"+1212555{i:D4}",
            Name = $"Person {i}",
            CustomVariables = i == 0 ? [new CustomVariable { Key = "plan", Value = "gold, \"plus\"" }] : null,
            TimeZoneId = "America/New_York",
            State = RecipientState.Pending,
            NextAttemptAt = Now.AddMinutes(i),
        }),
    ];

    [Fact]
    public async Task A_campaign_and_its_recipients_read_back_as_written_and_recipients_go_100_to_a_transaction()
    {
        var batches = new CountingPolicy();
        var options = new TableClientOptions();
        options.AddPolicy(batches, HttpPipelinePosition.PerCall);
        var store = Store(options);
        var campaign = NewCampaign("key-1") with { RecipientCount = 250 };
        var recipients = NewRecipients(campaign.Id, 250);

        Assert.True(await store.TryCreateAsync(campaign, recipients, CancellationToken.None));

        Assert.Equal(3, batches.Count);
        var read = (await store.GetAsync(campaign.Id, CancellationToken.None))!;
        Assert.Equal(campaign with { ETag = read.ETag, Retry = read.Retry }, read);
        Assert.Equal(campaign.Retry.On, read.Retry.On);
        Assert.Equal((3, TimeSpan.FromMinutes(45)), (read.Retry.MaxAttempts, read.Retry.MinSpacing));
        Assert.Equal(campaign.Id, (await store.FindByIdempotencyKeyAsync("key-1", CancellationToken.None))!.Id);
        Assert.Null(await store.FindByIdempotencyKeyAsync("key-2", CancellationToken.None));
        Assert.Equal(campaign.Id, Assert.Single(await store.ListAsync(CancellationToken.None)).Id);
        var first = (await store.GetRecipientAsync(campaign.Id, 0, CancellationToken.None))!;
        Assert.Equal(recipients[0] with { ETag = first.ETag, CustomVariables = first.CustomVariables, CallIds = first.CallIds }, first);
        Assert.Equal("gold, \"plus\"", Assert.Single(first.CustomVariables!).Value);
        Assert.Null(await store.GetRecipientAsync(campaign.Id, 1, CancellationToken.None));

        // The same key again (another create racing this one) is refused; so is the same id.
        Assert.False(await store.TryCreateAsync(NewCampaign("key-1"), NewRecipients("x", 1), CancellationToken.None));
        Assert.False(await store.TryCreateAsync(campaign with { IdempotencyKey = null }, [], CancellationToken.None));
    }

    [Fact]
    public async Task Updates_are_guarded_by_the_ETag()
    {
        var store = Store();
        var campaign = NewCampaign();
        await store.TryCreateAsync(campaign, NewRecipients(campaign.Id, 1), CancellationToken.None);
        var read = (await store.GetAsync(campaign.Id, CancellationToken.None))!;
        var recipient = (await store.GetRecipientAsync(campaign.Id, 0, CancellationToken.None))!;

        Assert.True(await store.TryUpdateAsync(read with { State = CampaignState.Paused }, CancellationToken.None));
        Assert.False(await store.TryUpdateAsync(read with { State = CampaignState.Canceled }, CancellationToken.None));
        Assert.Equal(CampaignState.Paused, (await store.GetAsync(campaign.Id, CancellationToken.None))!.State);

        var calling = recipient with { State = RecipientState.Calling, Attempts = 1, CallIds = ["call-1", "call-2"], NextAttemptAt = null };
        Assert.True(await store.TryUpdateRecipientAsync(calling, CancellationToken.None));
        Assert.False(await store.TryUpdateRecipientAsync(recipient with { State = RecipientState.Done }, CancellationToken.None));
        var stored = (await store.GetRecipientAsync(campaign.Id, 0, CancellationToken.None))!;
        Assert.Equal((RecipientState.Calling, 1, null), (stored.State, stored.Attempts, stored.NextAttemptAt));
        Assert.Equal(["call-1", "call-2"], stored.CallIds);
    }

    [Fact]
    public async Task Due_lists_active_recipients_whose_time_has_come_in_index_order_and_counts_project_three_columns()
    {
        var store = Store();
        var campaign = NewCampaign();
        var recipients = NewRecipients(campaign.Id, 6);
        recipients[1] = recipients[1] with { State = RecipientState.Done, LastStatus = "completed", NextAttemptAt = null };
        recipients[2] = recipients[2] with { State = RecipientState.WaitingRetry, LastStatus = "busy", NextAttemptAt = Now.AddHours(2) };
        recipients[3] = recipients[3] with { State = RecipientState.Calling, Attempts = 1, NextAttemptAt = Now.AddMinutes(1) };
        recipients[4] = recipients[4] with { State = RecipientState.Skipped, SkippedReason = SkippedReasons.Suppressed, NextAttemptAt = null };
        await store.TryCreateAsync(campaign, recipients, CancellationToken.None);

        var due = await store.ListDueAsync(campaign.Id, Now.AddMinutes(3), 10, CancellationToken.None);
        var firstOnly = await store.ListDueAsync(campaign.Id, Now.AddMinutes(3), 1, CancellationToken.None);
        var counts = await store.CountAsync(campaign.Id, CancellationToken.None);

        Assert.Equal([0, 6], due.Select(r => r.Index)); // 3 (calling) is due at +3 min, 5 at +5 min
        Assert.Equal([0], firstOnly.Select(r => r.Index));
        Assert.Equal([0, 6, 10], (await store.ListDueAsync(campaign.Id, Now.AddMinutes(5), 10, CancellationToken.None)).Select(r => r.Index));
        Assert.Equal(6, counts.Total);
        Assert.Equal(2, counts.ByState[RecipientState.Pending]);
        Assert.Equal(1, counts.ByState[RecipientState.Calling]);
        Assert.Equal(new Dictionary<string, int> { ["completed"] = 1, ["busy"] = 1 }, counts.ByOutcome);
        Assert.Equal(Now, counts.NextAttemptAt);
        Assert.True(await store.HasActiveRecipientsAsync(campaign.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Recipients_page_with_a_state_filter_and_cancel_turns_every_active_one_canceled()
    {
        var store = Store();
        var campaign = NewCampaign();
        var recipients = NewRecipients(campaign.Id, 230);
        recipients[7] = recipients[7] with { State = RecipientState.Done, LastStatus = "completed", NextAttemptAt = null };
        await store.TryCreateAsync(campaign, recipients, CancellationToken.None);

        var pages = new List<RecipientPage>();
        string? token = null;
        do
        {
            var page = await store.ListRecipientsAsync(campaign.Id, RecipientState.Pending, token, 100, CancellationToken.None);
            pages.Add(page);
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal(229, pages.Sum(p => p.Items.Count));
        Assert.Equal(100, pages[0].Items.Count);
        Assert.Equal(229, pages.SelectMany(p => p.Items).Select(r => r.Index).Distinct().Count());

        Assert.Equal(229, await store.CancelRecipientsAsync(campaign.Id, CancellationToken.None));
        Assert.Equal(0, await store.CancelRecipientsAsync(campaign.Id, CancellationToken.None));
        var counts = await store.CountAsync(campaign.Id, CancellationToken.None);
        Assert.Equal((229, 1), (counts.ByState[RecipientState.Canceled], counts.ByState[RecipientState.Done]));
        Assert.False(await store.HasActiveRecipientsAsync(campaign.Id, CancellationToken.None));
        Assert.Empty(await store.ListDueAsync(campaign.Id, Now.AddDays(1), 10, CancellationToken.None));
        Assert.Null(counts.NextAttemptAt);
    }

    [Fact]
    public async Task Recipients_live_in_partitions_of_200_which_every_read_spans_without_reaching_a_campaign_whose_id_starts_the_same()
    {
        var store = Store();
        var campaign = NewCampaign();
        var neighbour = NewCampaign() with { Id = campaign.Id + "0" };
        var recipients = NewRecipients(campaign.Id, 450).Select((r, i) => r with { Index = i, NextAttemptAt = Now }).ToList();
        await store.TryCreateAsync(campaign, recipients, CancellationToken.None);
        await store.TryCreateAsync(neighbour, NewRecipients(neighbour.Id, 3), CancellationToken.None);

        var raw = azurite.CreateConnectorTables(null);
        var table = await raw.GetAsync(store.RecipientsTable, CancellationToken.None);
        var partitions = new SortedSet<string>(StringComparer.Ordinal);
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            partitions.Add(row.PartitionKey);
        }

        Assert.Equal([campaign.Id + "$000", campaign.Id + "$001", campaign.Id + "$002", neighbour.Id + "$000"], partitions);
        Assert.Equal(Enumerable.Range(0, 450), (await store.ListDueAsync(campaign.Id, Now, 1000, CancellationToken.None)).Select(r => r.Index));
        var paged = new List<int>();
        string? token = null;
        do
        {
            var page = await store.ListRecipientsAsync(campaign.Id, null, token, 150, CancellationToken.None);
            paged.AddRange(page.Items.Select(r => r.Index));
            Assert.All(page.Items, r => Assert.Equal(campaign.Id, r.CampaignId));
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal(Enumerable.Range(0, 450), paged);
        Assert.Equal(450, (await store.CountAsync(campaign.Id, CancellationToken.None)).Total);
        var last = (await store.GetRecipientAsync(campaign.Id, 449, CancellationToken.None))!;
        Assert.True(await store.TryUpdateRecipientAsync(last with { State = RecipientState.Done, NextAttemptAt = null }, CancellationToken.None));
        Assert.Equal(RecipientState.Done, (await store.GetRecipientAsync(campaign.Id, 449, CancellationToken.None))!.State);

        Assert.Equal(449, await store.CancelRecipientsAsync(campaign.Id, CancellationToken.None));
        Assert.Equal(3, (await store.CountAsync(neighbour.Id, CancellationToken.None)).ByState[RecipientState.Pending]);
        Assert.True(await store.HasActiveRecipientsAsync(neighbour.Id, CancellationToken.None));
    }

    [Fact]
    public async Task Suppressions_are_added_idempotently_read_listed_and_removed()
    {
        var store = new TableSuppressionStore(azurite.CreateConnectorTables()) { TableName = AzuriteFixture.UniqueTableName() };

        await store.AddAsync(new Suppression { Phone = "+442079460103", Reason = "asked", AddedAt = Now }, CancellationToken.None);
        await store.AddAsync(new Suppression { Phone = "+442079460103", Reason = "asked again", AddedAt = Now }, CancellationToken.None);
        await store.AddAsync(new Suppression { Phone = "+12125550101", AddedAt = Now }, CancellationToken.None);

        Assert.Equal("asked again", (await store.GetAsync("+442079460103", CancellationToken.None))!.Reason);
        Assert.Equal(["+12125550101", "+442079460103"], (await store.ListAsync(10, CancellationToken.None)).Select(s => s.Phone));
        Assert.Single(await store.ListAsync(1, CancellationToken.None));
        Assert.True(await store.RemoveAsync("+442079460103", CancellationToken.None));
        Assert.False(await store.RemoveAsync("+442079460103", CancellationToken.None));
        Assert.Null(await store.GetAsync("+442079460103", CancellationToken.None));
    }

    /// <summary>Counts table transactions ($batch requests).</summary>
    private sealed class CountingPolicy : HttpPipelineSynchronousPolicy
    {
        private int _count;

        public int Count => _count;

        public override void OnSendingRequest(HttpMessage message)
        {
            if (message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _count);
            }
        }
    }
}
