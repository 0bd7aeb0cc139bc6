using Microsoft.Extensions.Options;
using SynthflowConnector.Calls;
using SynthflowConnector.Tests.Infrastructure;
using SynthflowConnector.Tests.Storage;

namespace SynthflowConnector.Tests.Calls;

/// <summary>
/// Sticky caller IDs on Azurite, keyed by what requests carry: agent ids with '.', ':', '-', '_' and E.164 recipients
/// with '+' must be stored and found under exactly their own key.
/// </summary>
[Collection("Azurite")]
public sealed class TableCallerIdStoreTests(AzuriteFixture azurite)
{
    private TableCallerIdStore Store(Azure.Data.Tables.TableClientOptions? options = null) => new(
        azurite.CreateConnectorTables(options),
        Options.Create(new CallsOptions { TableName = AzuriteFixture.UniqueTableName() }),
        new CallerIdCursorCache(TimeProvider.System));

    [Fact]
    public async Task Sticky_numbers_round_trip_under_keys_that_differ_only_in_punctuation()
    {
        var store = Store();
        (string Agent, string Recipient, string From)[] stickies =
        [
            ("agent.v2", "+4915112345678", "+14155550101"),
            ("agent:v2", "+4915112345678", "+14155550102"),
            ("agent-v2", "+4915112345678", "+14155550103"),
            ("agent_v2", "+4915112345678", "+14155550104"),
            ("agent.v2", "+4915112345679", "+14155550105"),
        ];

        foreach (var (agent, recipient, from) in stickies)
        {
            await store.SetStickyAsync(agent, recipient, from, CancellationToken.None);
        }

        await store.SetStickyAsync("agent.v2", "+4915112345678", "+14155550109", CancellationToken.None); // replaces

        Assert.Equal("+14155550109", await store.GetStickyAsync("agent.v2", "+4915112345678", CancellationToken.None));
        foreach (var (agent, recipient, from) in stickies.Skip(1))
        {
            Assert.Equal(from, await store.GetStickyAsync(agent, recipient, CancellationToken.None));
        }

        Assert.Null(await store.GetStickyAsync("agent.v2", "4915112345678", CancellationToken.None)); // no '+': another key
        Assert.Equal(0, await store.TakeNextPositionAsync("agent:v2", CancellationToken.None));
        Assert.Equal(0, await store.TakeNextPositionAsync("agent.v2", CancellationToken.None));
        Assert.Equal(1, await store.TakeNextPositionAsync("agent:v2", CancellationToken.None));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a\\b")]
    [InlineData("nul\0")]
    [InlineData("del\u007f")]
    public async Task Values_storage_cannot_key_are_rejected_naming_their_field_before_anything_is_sent(string bad)
    {
        var counter = new RequestCountingPolicy();
        var store = Store(StorageTestOptions.Counting(counter));

        var recipient = await Assert.ThrowsAsync<StoreRejectedException>(() => store.GetStickyAsync("agent", bad, CancellationToken.None));
        var agent = await Assert.ThrowsAsync<StoreRejectedException>(() => store.SetStickyAsync(bad, "+4915112345678", "+14155550101", CancellationToken.None));
        var cursor = await Assert.ThrowsAsync<StoreRejectedException>(() => store.TakeNextPositionAsync(bad, CancellationToken.None));

        Assert.Equal(RejectedValue.Recipient, recipient.Value);
        Assert.Equal(RejectedValue.AgentId, agent.Value);
        Assert.Equal(RejectedValue.AgentId, cursor.Value);
        Assert.Equal(0, counter.Count);
    }
}
