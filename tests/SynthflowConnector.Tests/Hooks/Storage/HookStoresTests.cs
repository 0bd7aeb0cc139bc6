using Microsoft.Extensions.Time.Testing;
using SynthflowConnector.Hooks;
using SynthflowConnector.Tests.Infrastructure;
using SynthflowConnector.Tests.Storage;

namespace SynthflowConnector.Tests.Hooks.Storage;

/// <summary>The subscription, placed-call and failure stores on real Azurite, each test in its own tables.</summary>
[Collection("Azurite")]
public sealed class HookStoresTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private TableHookSubscriptionStore Subscriptions() =>
        new(azurite.CreateConnectorTables()) { TableName = AzuriteFixture.UniqueTableName() };

    private TablePlacedCallStore PlacedCalls() =>
        new(azurite.CreateConnectorTables()) { TableName = AzuriteFixture.UniqueTableName() };

    private TableDeliveryFailureStore Failures() =>
        new(azurite.CreateConnectorTables()) { TableName = AzuriteFixture.UniqueTableName() };

    private static HookSubscription Subscription(string id, string? modelId = null, IReadOnlyList<string>? statuses = null) => new()
    {
        Id = id,
        Event = HookEvents.CallEnded,
        CallbackUrl = new Uri("https://prod-12.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=secret"),
        ModelId = modelId,
        Statuses = statuses,
        CreatedAt = Now,
    };

    [Fact]
    public async Task A_subscription_reads_back_as_written_and_lists_under_its_event_only()
    {
        var store = Subscriptions();
        var first = Subscription("aZ_-0123456789abcdefghij", "agent-1", ["completed", "no-answer"]);
        var second = Subscription("second_id-xyz");

        await store.AddAsync(first, CancellationToken.None);
        await store.AddAsync(second, CancellationToken.None);
        await store.AddAsync(second with { Id = "other-event", Event = "campaign-completed" }, CancellationToken.None);

        var read = await store.GetAsync(HookEvents.CallEnded, first.Id, CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal(first.CallbackUrl, read.CallbackUrl);
        Assert.Equal(first.CallbackUrl.OriginalString, read.CallbackUrl.OriginalString);
        Assert.Equal("agent-1", read.ModelId);
        Assert.Equal(["completed", "no-answer"], read.Statuses);
        Assert.Equal(Now, read.CreatedAt);
        Assert.Null((await store.GetAsync(HookEvents.CallEnded, second.Id, CancellationToken.None))!.Statuses);

        var listed = await store.ListAsync(HookEvents.CallEnded, CancellationToken.None);
        Assert.Equal([first.Id, second.Id], listed.Select(s => s.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Deleting_says_whether_there_was_something_and_unknown_or_odd_ids_are_just_unknown()
    {
        var store = Subscriptions();
        var subscription = Subscription("to-delete");
        await store.AddAsync(subscription, CancellationToken.None);

        Assert.True(await store.DeleteAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None));
        Assert.False(await store.DeleteAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None));
        Assert.Null(await store.GetAsync(HookEvents.CallEnded, subscription.Id, CancellationToken.None));
        Assert.Empty(await store.ListAsync(HookEvents.CallEnded, CancellationToken.None));

        Assert.False(await store.DeleteAsync(HookEvents.CallEnded, "../etc#?", CancellationToken.None));
        Assert.Null(await store.GetAsync(HookEvents.CallEnded, new string('x', 2000), CancellationToken.None));
    }

    [Fact]
    public async Task Placed_calls_are_open_until_closed_and_still_readable_after()
    {
        var store = PlacedCalls();
        var placed = new PlacedCall
        {
            CallId = "call/with#odd?chars",
            ModelId = "agent-1",
            PlacedAt = Now,
            IdempotencyKey = "idem-1",
            ForwardUrl = new Uri("https://example.com/hook?token=abc"),
            ToPhoneNumber = "+16175550199",
            FromPhoneNumber = "+14155550101",
        };
        await store.AddAsync(placed, CancellationToken.None);
        await store.AddAsync(placed with { CallId = "call-2" }, CancellationToken.None);

        Assert.Equal(placed, await store.GetAsync(placed.CallId, CancellationToken.None));
        Assert.Equal(["call-2", placed.CallId], (await store.ListOpenAsync(CancellationToken.None)).Select(c => c.CallId).Order(StringComparer.Ordinal));

        await store.CloseAsync(placed.CallId, CancellationToken.None);
        await store.CloseAsync(placed.CallId, CancellationToken.None);
        await store.CloseAsync("never-placed", CancellationToken.None);

        Assert.Equal("call-2", Assert.Single(await store.ListOpenAsync(CancellationToken.None)).CallId);
        Assert.Equal(placed, await store.GetAsync(placed.CallId, CancellationToken.None));
        Assert.Null(await store.GetAsync("never-placed", CancellationToken.None));
    }

    [Fact]
    public async Task Call_records_are_spread_over_256_partitions_by_the_call_ids_hash_and_closing_removes_only_the_open_copy()
    {
        var store = PlacedCalls();
        var ids = Enumerable.Range(0, 40).Select(i => $"call-{i}").ToList();
        foreach (var id in ids)
        {
            await store.AddAsync(new PlacedCall { CallId = id, ModelId = "agent-1", PlacedAt = Now }, CancellationToken.None);
        }

        await store.CloseAsync("call-0", CancellationToken.None);
        var table = await azurite.CreateConnectorTables().GetAsync(store.TableName, CancellationToken.None);
        var partitions = new List<string>();
        await foreach (var row in table.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["PartitionKey"]))
        {
            partitions.Add(row.PartitionKey);
        }

        var records = partitions.Where(p => p != "open").ToList();
        Assert.Equal(40, records.Count);
        Assert.Equal(39, partitions.Count(p => p == "open"));
        Assert.All(records, p => Assert.Matches("^call-[0-9a-f]{2}$", p));
        Assert.True(records.Distinct().Count() > 20, $"40 calls fell into {records.Distinct().Count()} partitions");
        foreach (var id in ids)
        {
            Assert.Equal(id, (await store.GetAsync(id, CancellationToken.None))!.CallId);
        }
    }

    [Fact]
    public async Task Reading_a_call_is_one_request_open_closed_or_unknown_and_closing_is_one()
    {
        var counter = new RequestCountingPolicy();
        var store = new TablePlacedCallStore(azurite.CreateConnectorTables(StorageTestOptions.Counting(counter)))
        {
            TableName = AzuriteFixture.UniqueTableName(),
        };
        var placed = new PlacedCall { CallId = "call-1", ModelId = "agent-1", PlacedAt = Now };
        await store.AddAsync(placed, CancellationToken.None);
        await store.AddAsync(placed with { CallId = "call-2" }, CancellationToken.None);

        counter.Reset();
        await store.CloseAsync("call-2", CancellationToken.None);
        Assert.Equal(1, counter.Count);

        counter.Reset();
        Assert.Equal(placed, await store.GetAsync("call-1", CancellationToken.None));
        Assert.Equal(1, counter.Count);

        counter.Reset();
        Assert.Equal(placed with { CallId = "call-2" }, await store.GetAsync("call-2", CancellationToken.None));
        Assert.Equal(1, counter.Count);

        counter.Reset();
        Assert.Null(await store.GetAsync("never-placed", CancellationToken.None));
        Assert.Equal(1, counter.Count);
    }

    [Fact]
    public async Task Failures_list_newest_first_up_to_the_maximum()
    {
        var store = Failures();
        for (var i = 0; i < 5; i++)
        {
            await store.AddAsync(
                new DeliveryFailure
                {
                    Id = $"f{i}",
                    Delivery = new DeliveryMessage { CallId = $"call-{i}", Status = "completed", SubscriptionId = "sub", Attempt = 7, FirstQueuedAt = Now },
                    TargetHost = "example.com",
                    LastStatusCode = i % 2 == 0 ? 503 : null,
                    Reason = "gave up after the retry window",
                    FailedAt = Now.AddMinutes(i % 2 == 0 ? i : -i),
                },
                CancellationToken.None);
        }

        var newest = await store.ListAsync(3, CancellationToken.None);

        Assert.Equal(["f4", "f2", "f0"], newest.Select(f => f.Id));
        Assert.Equal(503, newest[0].LastStatusCode);
        Assert.Equal(new DeliveryMessage { CallId = "call-4", Status = "completed", SubscriptionId = "sub", Attempt = 7, FirstQueuedAt = Now }, newest[0].Delivery);
        Assert.Equal(["f4", "f2", "f0", "f1", "f3"], (await store.ListAsync(100, CancellationToken.None)).Select(f => f.Id));
        Assert.Empty(await store.ListAsync(0, CancellationToken.None));
    }
}
