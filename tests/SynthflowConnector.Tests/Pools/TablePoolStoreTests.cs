using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using SynthflowConnector.Pools;
using SynthflowConnector.Tests.Infrastructure;
using SynthflowConnector.Tests.Storage;

namespace SynthflowConnector.Tests.Pools;

/// <summary>
/// The pool store on Azurite: ETag-guarded writes and deletes, lazy paging of the list, and storage failures turned
/// into the core's store exceptions (never an SDK exception) at this boundary.
/// </summary>
[Collection("Azurite")]
public sealed class TablePoolStoreTests(AzuriteFixture azurite)
{
    private const string Agent = "agent-x";
    private const string A = "+14155550101";
    private const string B = "+12125550102";

    private TablePoolStore Store(TableClientOptions? options = null, int pageSize = 200, string? tableName = null) => new(
        azurite.CreateConnectorTables(options),
        Options.Create(new PoolsOptions { TableName = tableName ?? AzuriteFixture.UniqueTableName() }))
    {
        PageSize = pageSize,
    };

    private static DesiredPool Pool(string modelId = Agent, params string[] numbers) =>
        new() { ModelId = modelId, PhoneNumbers = numbers, UpdatedAt = DateTimeOffset.UtcNow };

    [Fact]
    public async Task Delete_is_guarded_by_the_version_and_takes_the_status_row_with_it()
    {
        var store = Store();
        var v1 = (await store.SetDesiredAsync(Pool(numbers: A), PoolWriteCondition.None, CancellationToken.None))!;
        await store.RecordStatusAsync(Agent, _ => new PoolStatus { At = DateTimeOffset.UtcNow, Outcome = PoolOutcomes.InSync }, CancellationToken.None);
        var v2 = (await store.SetDesiredAsync(Pool(numbers: B), PoolWriteCondition.IfMatch(v1.Version), CancellationToken.None))!;

        Assert.Equal(PoolDeleteResult.PreconditionFailed, await store.DeleteAsync(Agent, v1.Version, CancellationToken.None));
        Assert.Equal([B], (await store.GetDesiredAsync(Agent, CancellationToken.None))!.PhoneNumbers);

        Assert.Equal(PoolDeleteResult.Deleted, await store.DeleteAsync(Agent, v2.Version, CancellationToken.None));
        Assert.Null(await store.GetAsync(Agent, CancellationToken.None));

        // A new pool of the same agent starts without the old one's status.
        await store.SetDesiredAsync(Pool(numbers: A), PoolWriteCondition.MustNotExist, CancellationToken.None);
        Assert.Null((await store.GetAsync(Agent, CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task Deleting_a_missing_pool_is_NotFound_without_If_Match_and_a_failed_precondition_with_it()
    {
        var store = Store();

        Assert.Equal(PoolDeleteResult.NotFound, await store.DeleteAsync(Agent, ifMatch: null, CancellationToken.None));
        Assert.Equal(PoolDeleteResult.PreconditionFailed, await store.DeleteAsync(Agent, PoolWriteCondition.AnyVersion, CancellationToken.None));
        Assert.Null(await store.SetDesiredAsync(Pool(numbers: A), PoolWriteCondition.IfMatch(PoolWriteCondition.AnyVersion), CancellationToken.None));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("\"not-weak\"")]
    public async Task A_malformed_version_is_rejected_naming_If_Match_and_changes_nothing(string version)
    {
        var store = Store();
        var stored = (await store.SetDesiredAsync(Pool(numbers: A), PoolWriteCondition.None, CancellationToken.None))!;

        var onWrite = await Assert.ThrowsAsync<StoreRejectedException>(
            () => store.SetDesiredAsync(Pool(numbers: B), PoolWriteCondition.IfMatch(version), CancellationToken.None));
        var onDelete = await Assert.ThrowsAsync<StoreRejectedException>(() => store.DeleteAsync(Agent, version, CancellationToken.None));

        Assert.Equal(RejectedValue.Version, onWrite.Value);
        Assert.Equal(RejectedValue.Version, onDelete.Value);
        var kept = (await store.GetDesiredAsync(Agent, CancellationToken.None))!;
        Assert.Equal([A], kept.PhoneNumbers);
        Assert.Equal(stored.Version, kept.Version);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a\\b")]
    [InlineData("tab\there")]
    public async Task A_model_id_storage_cannot_key_is_rejected_before_anything_is_sent(string modelId)
    {
        var counter = new RequestCountingPolicy();
        var store = Store(StorageTestOptions.Counting(counter));

        var errors = new[]
        {
            await Assert.ThrowsAsync<StoreRejectedException>(() => store.GetAsync(modelId, CancellationToken.None)),
            await Assert.ThrowsAsync<StoreRejectedException>(() => store.SetDesiredAsync(Pool(modelId, A), PoolWriteCondition.None, CancellationToken.None)),
            await Assert.ThrowsAsync<StoreRejectedException>(() => store.DeleteAsync(modelId, null, CancellationToken.None)),
        };

        Assert.All(errors, error => Assert.Equal(RejectedValue.AgentId, error.Value));
        Assert.All(errors, error => Assert.DoesNotContain(modelId, error.Message, StringComparison.Ordinal));
        Assert.Equal(0, counter.Count);
    }

    [Fact]
    public async Task The_list_reads_lazily_one_page_per_request()
    {
        var tableName = AzuriteFixture.UniqueTableName();
        var seeding = Store(tableName: tableName);
        for (var i = 0; i < 25; i++)
        {
            await seeding.SetDesiredAsync(Pool($"agent-{i:D2}", A), PoolWriteCondition.None, CancellationToken.None);
        }

        var counter = new RequestCountingPolicy();
        var store = Store(StorageTestOptions.Counting(counter), pageSize: 10, tableName: tableName);
        var listing = store.ListAsync(CancellationToken.None);
        Assert.Equal(0, counter.Count); // building the listing sends nothing

        var firstFive = await TakeAsync(listing, 5);
        var tableAndFirstPage = counter.Count;
        var all = await TakeAsync(listing, int.MaxValue);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"agent-{i:D2}"), firstFive.Select(p => p.ModelId));
        Assert.Equal(2, tableAndFirstPage); // create-if-not-exists, then one page of 10
        Assert.Equal(25, all.Count);
        Assert.Equal(3, counter.Count - tableAndFirstPage); // 10 + 10 + 5: the table is not created again
    }

    [Fact]
    public async Task A_page_that_fails_mid_listing_is_StoreUnavailable_after_the_pools_already_read()
    {
        var tableName = AzuriteFixture.UniqueTableName();
        var seeding = Store(tableName: tableName);
        for (var i = 0; i < 6; i++)
        {
            await seeding.SetDesiredAsync(Pool($"agent-{i}", A), PoolWriteCondition.None, CancellationToken.None);
        }

        var store = Store(StorageTestOptions.With(ClosedPortPolicy.QueriesAfter(1)), pageSize: 4, tableName: tableName);
        var read = new List<string>();

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(async () =>
        {
            await foreach (var pool in store.ListAsync(CancellationToken.None))
            {
                read.Add(pool.ModelId);
            }
        });

        Assert.Null(error.Status); // not reached at all
        Assert.Equal(["agent-0", "agent-1", "agent-2"], read); // the 4th row's partition may continue on the next page
    }

    [Fact]
    public async Task Unreachable_storage_is_StoreUnavailable_for_every_operation()
    {
        var store = Store(StorageTestOptions.With(ClosedPortPolicy.Always()));

        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetAsync(Agent, CancellationToken.None));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.SetDesiredAsync(Pool(numbers: A), PoolWriteCondition.None, CancellationToken.None));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.DeleteAsync(Agent, null, CancellationToken.None));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => TakeAsync(store.ListAsync(CancellationToken.None), 1));
    }

    private static async Task<List<PoolRecord>> TakeAsync(IAsyncEnumerable<PoolRecord> source, int count)
    {
        var result = new List<PoolRecord>();
        await foreach (var pool in source)
        {
            result.Add(pool);
            if (result.Count == count)
            {
                break;
            }
        }

        return result;
    }
}
