using Azure;
using SynthflowConnector.Storage;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Storage;

[Collection("Azurite")]
public sealed class TableKeyTests
{
    private readonly AzuriteFixture _azurite;

    public TableKeyTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
    }

    public static TheoryData<string> AwkwardKeys => new()
    {
        "O'Brien",
        "''",
        "Zoë",
        "电话",
        "📞 call me 😀",
        "+4915112345678",
        "a+b=c&d",
        "with  spaces ",
        "100%",
        "%2F not a slash",
        "[]{}()<>|^~`!@$*,;:\"",
        string.Empty,
    };

    [Theory]
    [MemberData(nameof(AwkwardKeys))]
    public async Task Awkward_keys_round_trip_through_every_operation(string key)
    {
        TableClient table = _azurite.CreateTableClient();
        await table.CreateIfNotExistsAsync();

        Response added = await table.AddEntityAsync(new SimpleEntity { PartitionKey = key, RowKey = key, Name = "added" });
        SimpleEntity read = (await table.GetEntityAsync<SimpleEntity>(key, key)).Value;
        Assert.Equal(key, read.PartitionKey);
        Assert.Equal(key, read.RowKey);
        Assert.Equal(added.Headers.ETag, read.ETag);

        read.Name = "updated";
        await table.UpdateEntityAsync(read, read.ETag);
        await table.UpsertEntityAsync(new SimpleEntity { PartitionKey = key, RowKey = key, Count = 5 });
        SimpleEntity viaQuery = Assert.Single(await QueryAsync(table, TableClient.CreateQueryFilter($"PartitionKey eq {key} and RowKey eq {key}")));
        Assert.Equal("updated", viaQuery.Name);
        Assert.Equal(5, viaQuery.Count);

        Assert.Equal(204, (await table.DeleteEntityAsync(key, key, viaQuery.ETag)).Status);
        Assert.False((await table.GetEntityIfExistsAsync<SimpleEntity>(key, key)).HasValue);
    }

    [Fact]
    public async Task Keys_that_differ_only_by_escaping_stay_distinct()
    {
        TableClient table = _azurite.CreateTableClient();
        await table.CreateIfNotExistsAsync();
        string[] keys = ["a b", "a+b", "a%20b", "a%2Bb", "a'b", "a''b"];

        foreach (string key in keys)
        {
            await table.AddEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = key, Name = key });
        }

        foreach (string key in keys)
        {
            Assert.Equal(key, (await table.GetEntityAsync<SimpleEntity>("p", key)).Value.Name);
        }
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a\\b")]
    [InlineData("tab\there")]
    [InlineData("nul\0")]
    [InlineData("del\u007f")]
    public async Task Forbidden_key_characters_are_rejected_before_anything_is_sent(string badKey)
    {
        var counter = new RequestCountingPolicy();
        TableClient table = _azurite.CreateTableClient(options: StorageTestOptions.Counting(counter));
        var asPartition = new SimpleEntity { PartitionKey = badKey, RowKey = "ok" };
        var asRow = new SimpleEntity { PartitionKey = "ok", RowKey = badKey };

        await AssertRejected("PartitionKey", () => table.AddEntityAsync(asPartition));
        await AssertRejected("RowKey", () => table.AddEntityAsync(asRow));
        await AssertRejected("PartitionKey", () => table.UpsertEntityAsync(asPartition));
        await AssertRejected("RowKey", () => table.UpdateEntityAsync(asRow, ETag.All));
        await AssertRejected("partitionKey", () => table.GetEntityAsync<SimpleEntity>(badKey, "ok"));
        await AssertRejected("rowKey", () => table.GetEntityIfExistsAsync<SimpleEntity>("ok", badKey));
        await AssertRejected("partitionKey", () => table.DeleteEntityAsync(badKey, "ok"));

        Assert.Equal(0, counter.Count);
    }

    private static async Task AssertRejected(string keyName, Func<Task> action)
    {
        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(action);
        Assert.Equal(keyName, error.ParamName);
        Assert.StartsWith(keyName + " contains", error.Message, StringComparison.Ordinal);
    }

    private static async Task<List<SimpleEntity>> QueryAsync(TableClient table, string filter)
    {
        var result = new List<SimpleEntity>();
        await foreach (SimpleEntity entity in table.QueryAsync<SimpleEntity>(filter))
        {
            result.Add(entity);
        }

        return result;
    }
}
