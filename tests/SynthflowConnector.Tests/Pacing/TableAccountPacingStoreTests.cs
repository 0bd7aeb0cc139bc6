using SynthflowConnector.Campaigns;
using SynthflowConnector.Tests.Infrastructure;
using SynthflowConnector.Tests.Storage;

namespace SynthflowConnector.Tests.Pacing;

/// <summary>The pacing record on Azurite: one row, ETag compare-and-swap, <c>Live</c> as JSON, the store exceptions.</summary>
[Collection("Azurite")]
public sealed class TableAccountPacingStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset T0 = new(2025, 6, 2, 9, 0, 0, TimeSpan.Zero);

    private TableAccountPacingStore Store(string table, Azure.Data.Tables.TableClientOptions? options = null) =>
        new(azurite.CreateConnectorTables(options)) { TableName = table };

    private static AccountPacingState State(int slots, string? callId = "call") => new()
    {
        NextStartAt = T0,
        Live = Enumerable.Range(0, slots).ToDictionary(
            i => Guid.NewGuid().ToString("N"),
            i => new LiveCallSlot { ReservedAt = T0.AddSeconds(i), CallId = callId is null ? null : $"{callId}-{i}", CheckedAt = i % 2 == 0 ? T0 : null }),
    };

    [Fact]
    public async Task Nothing_stored_reads_as_empty_with_no_etag_and_an_insert_only_wins_once()
    {
        var store = Store(AzuriteFixture.UniqueTableName());

        var (empty, etag) = await store.ReadAsync(CancellationToken.None);
        Assert.Null(etag);
        Assert.Empty(empty.Live);

        Assert.True(await store.TryWriteAsync(State(1), null, CancellationToken.None));
        Assert.False(await store.TryWriteAsync(State(2), null, CancellationToken.None));
        Assert.Single((await store.ReadAsync(CancellationToken.None)).State.Live);
    }

    [Fact]
    public async Task A_replace_needs_the_current_etag()
    {
        var table = AzuriteFixture.UniqueTableName();
        var one = Store(table);
        var other = Store(table);
        await one.TryWriteAsync(State(1), null, CancellationToken.None);
        var (_, seen) = await one.ReadAsync(CancellationToken.None);

        Assert.True(await other.TryWriteAsync(State(2), seen, CancellationToken.None));
        Assert.False(await one.TryWriteAsync(State(3), seen, CancellationToken.None));

        var (state, now) = await one.ReadAsync(CancellationToken.None);
        Assert.Equal(2, state.Live.Count);
        Assert.NotEqual(seen, now);
    }

    [Fact]
    public async Task The_state_round_trips_and_a_large_live_set_spans_several_properties()
    {
        var store = Store(AzuriteFixture.UniqueTableName());
        var written = State(1000, callId: "1711646262471x768387119913843100");
        var unplaced = written with { Live = new Dictionary<string, LiveCallSlot>(written.Live) { ["unplaced"] = new() { ReservedAt = T0 } } };

        Assert.True(await store.TryWriteAsync(unplaced, null, CancellationToken.None));
        var (read, _) = await store.ReadAsync(CancellationToken.None);

        Assert.Equal(unplaced.NextStartAt, read.NextStartAt);
        Assert.Equal(unplaced.Live.OrderBy(p => p.Key, StringComparer.Ordinal), read.Live.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Null(read.Live["unplaced"].CallId);

        // Shrinking drops the continuation properties (a replace, not a merge).
        var (_, etag) = await store.ReadAsync(CancellationToken.None);
        Assert.True(await store.TryWriteAsync(State(1), etag, CancellationToken.None));
        var row = await azurite.CreateTableClient(store.TableName).GetEntityAsync<Azure.Data.Tables.TableEntity>("account", "pacing");
        Assert.DoesNotContain(row.Value.Keys, key => key.StartsWith("Live1", StringComparison.Ordinal));
        Assert.Single((await store.ReadAsync(CancellationToken.None)).State.Live);
    }

    [Fact]
    public async Task Storage_that_cannot_be_reached_is_StoreUnavailable()
    {
        var store = Store(AzuriteFixture.UniqueTableName(), StorageTestOptions.With(ClosedPortPolicy.Always()));

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.ReadAsync(CancellationToken.None));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.TryWriteAsync(State(1), null, CancellationToken.None));
    }
}
