using System.Globalization;
using Azure;
using SynthflowConnector.Storage;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Storage;

[Collection("Azurite")]
public sealed class TableClientQueryTests
{
    private readonly AzuriteFixture _azurite;

    public TableClientQueryTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
    }

    [Fact]
    public async Task Query_follows_continuation_tokens_across_pages()
    {
        var counter = new RequestCountingPolicy();
        TableClient table = _azurite.CreateTableClient(options: StorageTestOptions.Counting(counter));
        await table.CreateIfNotExistsAsync();
        await SeedAsync(table, "bulk", 2_500);
        int requestsBeforeQuery = counter.Count;

        var rowKeys = new HashSet<string>(StringComparer.Ordinal);
        int pages = 0;
        await foreach (Page<SimpleEntity> page in table.QueryAsync<SimpleEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"bulk"}"), maxPerPage: 1000).AsPages())
        {
            pages++;
            Assert.True(page.Values.Count <= 1000, $"page {pages} has {page.Values.Count} entities");
            foreach (SimpleEntity entity in page.Values)
            {
                Assert.True(rowKeys.Add(entity.RowKey), $"duplicate {entity.RowKey}");
            }
        }

        Assert.Equal(2_500, rowKeys.Count);
        Assert.True(pages >= 3, $"expected at least 3 pages, got {pages}");
        Assert.Equal(pages, counter.Count - requestsBeforeQuery);
    }

    [Fact]
    public async Task Query_is_lazy_and_fetches_pages_only_as_enumeration_reaches_them()
    {
        var counter = new RequestCountingPolicy();
        TableClient table = _azurite.CreateTableClient(options: StorageTestOptions.Counting(counter));
        await table.CreateIfNotExistsAsync();
        await SeedAsync(table, "lazy", 30);
        int before = counter.Count;

        AsyncPageable<SimpleEntity> query = table.QueryAsync<SimpleEntity>(maxPerPage: 10);
        Assert.Equal(before, counter.Count); // building the query sends nothing

        List<SimpleEntity> firstTen = await TakeAsync(query, 10);
        Assert.Equal(10, firstTen.Count);
        Assert.Equal(before + 1, counter.Count);

        List<SimpleEntity> firstEleven = await TakeAsync(query, 11);
        Assert.Equal(11, firstEleven.Count);
        Assert.Equal(before + 1 + 2, counter.Count);
    }

    [Fact]
    public async Task A_continuation_token_resumes_where_the_previous_page_ended()
    {
        TableClient table = await CreateTableAsync();
        await SeedAsync(table, "resume", 25);

        Page<SimpleEntity> first = await FirstPageAsync(table.QueryAsync<SimpleEntity>(maxPerPage: 10).AsPages());
        Page<SimpleEntity> second = await FirstPageAsync(table.QueryAsync<SimpleEntity>(maxPerPage: 10).AsPages(first.ContinuationToken));

        Assert.NotNull(first.ContinuationToken);
        Assert.Equal(Enumerable.Range(0, 10).Select(RowKey), first.Values.Select(e => e.RowKey));
        Assert.Equal(Enumerable.Range(10, 10).Select(RowKey), second.Values.Select(e => e.RowKey));
    }

    [Theory]
    [InlineData("O'Brien")]
    [InlineData("''")]
    [InlineData("' or PartitionKey ne '")]
    [InlineData("it's a 'quote' party")]
    public async Task Filter_values_with_quotes_match_exactly_one_entity(string name)
    {
        TableClient table = await CreateTableAsync();
        await table.AddEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "target", Name = name });
        await table.AddEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "other", Name = "someone else" });
        await table.AddEntityAsync(new SimpleEntity { PartitionKey = name, RowKey = "keyed", Name = "by key" });

        List<SimpleEntity> byName = await ToListAsync(table.QueryAsync<SimpleEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"p"} and Name eq {name}")));
        List<SimpleEntity> byKey = await ToListAsync(table.QueryAsync<SimpleEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {name}")));

        Assert.Equal("target", Assert.Single(byName).RowKey);
        Assert.Equal(name, Assert.Single(byKey).PartitionKey);
    }

    [Fact]
    public async Task Filter_literals_of_every_type_are_understood_by_the_service()
    {
        TableClient table = await CreateTableAsync();
        var id = Guid.NewGuid();
        var when = new DateTimeOffset(2024, 6, 1, 12, 0, 0, TimeSpan.Zero);
        await table.AddEntityAsync(new AllTypesEntity
        {
            PartitionKey = "p", RowKey = "match", Small = 5, Big = 5_000_000_000L, Ratio = 1.5, Flag = true, When = when, Id = id, State = CallState.Ringing,
        });
        await table.AddEntityAsync(new AllTypesEntity { PartitionKey = "p", RowKey = "miss", Small = 6, Big = 1, Ratio = 0.5, When = when.AddDays(-1) });

        foreach (string filter in new[]
        {
            TableClient.CreateQueryFilter($"Small eq {5}"),
            TableClient.CreateQueryFilter($"Big gt {4_000_000_000L}"),
            TableClient.CreateQueryFilter($"Ratio gt {1.0}"),
            TableClient.CreateQueryFilter($"Flag eq {true}"),
            TableClient.CreateQueryFilter($"When ge {when}"),
            TableClient.CreateQueryFilter($"Id eq {id}"),
            TableClient.CreateQueryFilter($"State eq {CallState.Ringing}"),
        })
        {
            List<AllTypesEntity> found = await ToListAsync(table.QueryAsync<AllTypesEntity>(filter));
            Assert.True(found.Count == 1 && found[0].RowKey == "match", $"filter <{filter}> returned [{string.Join(", ", found.Select(e => e.RowKey))}]");
        }
    }

    [Fact]
    public async Task Select_limits_the_returned_properties()
    {
        TableClient table = await CreateTableAsync();
        await table.AddEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "r", Name = "n", Count = 3 });

        SimpleEntity typed = Assert.Single(await ToListAsync(table.QueryAsync<SimpleEntity>(select: ["Name"])));
        TableEntity raw = Assert.Single(await ToListAsync(table.QueryAsync<TableEntity>(select: ["Count"])));

        Assert.Equal("n", typed.Name);
        Assert.Equal(0, typed.Count);
        Assert.Equal(3, raw.GetInt32("Count"));
        Assert.False(raw.ContainsKey("Name"));
    }

    [Fact]
    public async Task Query_results_carry_the_ETag_for_a_later_conditional_update()
    {
        TableClient table = await CreateTableAsync();
        Response added = await table.AddEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "r", Count = 1 });

        SimpleEntity found = Assert.Single(await ToListAsync(table.QueryAsync<SimpleEntity>()));
        found.Count = 2;
        await table.UpdateEntityAsync(found, found.ETag);

        Assert.Equal(added.Headers.ETag, found.ETag);
        Assert.NotNull(found.Timestamp);
        Assert.Equal(2, (await table.GetEntityAsync<SimpleEntity>("p", "r")).Value.Count);
    }

    [Fact]
    public async Task Query_on_a_missing_table_fails_with_404_when_enumerated()
    {
        TableClient table = _azurite.CreateTableClient();
        AsyncPageable<SimpleEntity> query = table.QueryAsync<SimpleEntity>();

        RequestFailedException error = await Assert.ThrowsAsync<RequestFailedException>(() => ToListAsync(query));

        Assert.Equal(404, error.Status);
        Assert.Equal("TableNotFound", error.ErrorCode);
    }

    private async Task<TableClient> CreateTableAsync()
    {
        TableClient table = _azurite.CreateTableClient();
        await table.CreateIfNotExistsAsync();
        return table;
    }

    private static string RowKey(int i) => i.ToString("D5", CultureInfo.InvariantCulture);

    private static Task SeedAsync(TableClient table, string partitionKey, int count) =>
        Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, ct) => await table.AddEntityAsync(new SimpleEntity { PartitionKey = partitionKey, RowKey = RowKey(i), Count = i }, ct));

    private static async Task<List<T>> TakeAsync<T>(AsyncPageable<T> source, int count)
        where T : notnull
    {
        var result = new List<T>();
        await foreach (T item in source)
        {
            result.Add(item);
            if (result.Count == count)
            {
                break;
            }
        }

        return result;
    }

    private static async Task<List<T>> ToListAsync<T>(AsyncPageable<T> source)
        where T : notnull
    {
        var result = new List<T>();
        await foreach (T item in source)
        {
            result.Add(item);
        }

        return result;
    }

    private static async Task<Page<T>> FirstPageAsync<T>(IAsyncEnumerable<Page<T>> pages)
    {
        await foreach (Page<T> page in pages)
        {
            return page;
        }

        throw new InvalidOperationException("no pages");
    }
}
