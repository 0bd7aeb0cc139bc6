using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Campaigns;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Campaigns;

/// <summary>The whole engine on the Table stores (Azurite): killed and concurrent dispatchers, suppression, completion.</summary>
[Collection("Azurite")]
public sealed class CampaignTableEngineTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Monday = new(2025, 6, 2, 13, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Killed_and_concurrent_dispatchers_on_table_storage_dial_each_recipient_once_and_the_campaign_completes()
    {
        var tables = azurite.CreateConnectorTables();
        var store = new TableCampaignStore(tables, new FakeTimeProvider(Monday))
        {
            CampaignsTable = AzuriteFixture.UniqueTableName(),
            RecipientsTable = AzuriteFixture.UniqueTableName(),
        };
        var suppressions = new TableSuppressionStore(tables) { TableName = AzuriteFixture.UniqueTableName() };
        using var rig = new CampaignRig(Monday, store, suppressions);
        var phones = Enumerable.Range(0, 40).Select(i => $"+1212555{i:D4}").ToArray();
        await rig.SuppressionService.AddAsync(phones[39], "do not call", CancellationToken.None);
        var campaign = await rig.CreateAsync(CampaignRig.Command(phones), "import-1");
        using var kill = new CancellationTokenSource();
        rig.Synthflow.OnAgentRead = () =>
        {
            if (rig.Synthflow.Placements.Count >= 10)
            {
                kill.Cancel();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rig.DispatchAsync(kill.Token));
        rig.Synthflow.OnAgentRead = null;
        await rig.SuppressionService.AddAsync(phones[38], null, CancellationToken.None);
        for (var run = 0; run < 15; run++)
        {
            await Task.WhenAll(rig.DispatchAsync(), rig.DispatchAsync());
            rig.Clock.Advance(TimeSpan.FromSeconds(10));
        }

        Assert.All(phones[..38], phone => Assert.Equal(1, rig.Synthflow.PlacedTo(phone)));
        Assert.Equal(0, rig.Synthflow.PlacedTo(phones[38]));
        Assert.Equal(0, rig.Synthflow.PlacedTo(phones[39]));
        var calling = await store.ListRecipientsAsync(campaign.Id, RecipientState.Calling, null, 100, CancellationToken.None);
        Assert.Equal(38, calling.Items.Count);
        Assert.All(calling.Items, r => Assert.Equal(rig.Synthflow.Placements.Single(p => p.Phone == r.Phone).CallId, Assert.Single(r.CallIds)));

        await rig.EndCallsAsync(_ => "completed");
        await rig.DispatchAsync();

        var view = (await rig.Service.GetAsync(campaign.Id, CancellationToken.None))!;
        Assert.Equal(CampaignState.Completed, view.Campaign.State);
        Assert.Equal((38, 2), (view.Counts.ByState[RecipientState.Done], view.Counts.ByState[RecipientState.Skipped]));
        Assert.Equal(38, view.Counts.ByOutcome["completed"]);
        Assert.True((await rig.Service.CreateAsync(CampaignRig.Command(phones), "import-1", CancellationToken.None)).Replayed);
    }
}
