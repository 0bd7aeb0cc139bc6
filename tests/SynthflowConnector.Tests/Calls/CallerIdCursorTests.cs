using Microsoft.Extensions.Options;
using SynthflowConnector.Calls;
using SynthflowConnector.Tests.Infrastructure;
using SynthflowConnector.Tests.Storage;

namespace SynthflowConnector.Tests.Calls;

/// <summary>
/// The round-robin cursor's shortcut: a process that wrote the cursor last updates it on that ETag without reading it
/// first (one table round trip, not two), and falls back to read-then-update whenever anyone else moved it.
/// </summary>
[Collection("Azurite")]
public sealed class CallerIdCursorTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Consecutive_calls_take_consecutive_positions_with_one_table_operation_each_after_the_first()
    {
        var (service, counter, _) = Instance(AzuriteFixture.UniqueTableName());
        Assert.Equal(0, await service.TakeNextPositionAsync("agent", CancellationToken.None));
        counter.Reset();

        for (var expected = 1; expected <= 5; expected++)
        {
            Assert.Equal(expected, await service.TakeNextPositionAsync("agent", CancellationToken.None));
        }

        Assert.Equal(5, counter.Count);
    }

    [Fact]
    public async Task A_cursor_moved_by_another_instance_is_read_again_and_no_position_is_taken_twice()
    {
        var tableName = AzuriteFixture.UniqueTableName();
        var (first, _, _) = Instance(tableName);
        var (second, _, _) = Instance(tableName);
        var taken = new List<long>();

        // Interleaved, as two instances serving calls of one agent would be; each has a stale ETag half the time.
        for (var i = 0; i < 6; i++)
        {
            taken.Add(await first.TakeNextPositionAsync("agent", CancellationToken.None));
            taken.Add(await second.TakeNextPositionAsync("agent", CancellationToken.None));
            taken.Add(await second.TakeNextPositionAsync("agent", CancellationToken.None));
        }

        Assert.Equal(Enumerable.Range(0, 18).Select(i => (long)i), taken);
    }

    [Fact]
    public async Task Concurrent_calls_in_one_process_take_distinct_positions()
    {
        var (service, _, _) = Instance(AzuriteFixture.UniqueTableName());
        await service.TakeNextPositionAsync("agent", CancellationToken.None);

        var taken = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => service.TakeNextPositionAsync("agent", CancellationToken.None)));

        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), taken.Order());
    }

    [Fact]
    public async Task A_deleted_cursor_row_starts_again_from_zero()
    {
        var tableName = AzuriteFixture.UniqueTableName();
        var (service, _, _) = Instance(tableName);
        await service.TakeNextPositionAsync("agent", CancellationToken.None);
        await service.TakeNextPositionAsync("agent", CancellationToken.None);

        await azurite.CreateTableClient(tableName).DeleteEntityAsync("cursor", "agent");

        Assert.Equal(0, await service.TakeNextPositionAsync("agent", CancellationToken.None));
        Assert.Equal(1, await service.TakeNextPositionAsync("agent", CancellationToken.None));
    }

    /// <summary>One "instance": its own tables, its own cursor cache, and a count of the table requests it sends.</summary>
    /// <remarks>The count is an Azure.Data.Tables pipeline policy, per attempt: a retry would count too.</remarks>
    private (TableCallerIdStore Service, RequestCountingPolicy Counter, CallerIdCursorCache Cache) Instance(string tableName)
    {
        var counter = new RequestCountingPolicy();
        var tables = azurite.CreateConnectorTables(StorageTestOptions.Counting(counter));
        var cache = new CallerIdCursorCache(TimeProvider.System);
        return (new TableCallerIdStore(tables, Options.Create(new CallsOptions { TableName = tableName }), cache), counter, cache);
    }
}
