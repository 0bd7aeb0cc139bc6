using Azure;
using SynthflowConnector.Storage;
using SynthflowConnector.Tests.Infrastructure;

namespace SynthflowConnector.Tests.Storage;

[Collection("Azurite")]
public sealed class TableClientEntityTests
{
    private readonly AzuriteFixture _azurite;

    public TableClientEntityTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
    }

    [Fact]
    public async Task CreateIfNotExists_is_idempotent_and_Delete_tolerates_a_missing_table()
    {
        TableClient table = _azurite.CreateTableClient();

        Response first = await table.CreateIfNotExistsAsync();
        Response second = await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "r" });

        Assert.Equal(204, first.Status);
        Assert.Equal(409, second.Status);
        Assert.True((await table.GetEntityIfExistsAsync<SimpleEntity>("p", "r")).HasValue, "the second create must not have wiped the table");

        Assert.Equal(204, (await table.DeleteAsync()).Status);
        Assert.Equal(404, (await table.DeleteAsync()).Status);
        RequestFailedException gone = await Assert.ThrowsAsync<RequestFailedException>(() => table.GetEntityAsync<SimpleEntity>("p", "r"));
        Assert.Equal(404, gone.Status);
        Assert.Equal("TableNotFound", gone.ErrorCode);
    }

    [Fact]
    public async Task Typed_entity_with_every_supported_type_round_trips_exactly()
    {
        TableClient table = await CreateTableAsync();
        var written = new AllTypesEntity
        {
            PartitionKey = "pool",
            RowKey = "all-set",
            Text = "héllo \"double\" 'single' \n newline ☎",
            Small = -123_456,
            Big = 9_007_199_254_740_993L, // 2^53 + 1: would be rounded if sent as a JSON number
            Ratio = 3.141592653589793,
            Flag = true,
            When = new DateTimeOffset(2024, 2, 29, 13, 14, 15, 678, TimeSpan.FromHours(2)).AddTicks(1234),
            WhenUtc = new DateTime(2023, 12, 31, 23, 59, 59, 999, DateTimeKind.Utc),
            Id = Guid.NewGuid(),
            Bytes = [0, 1, 2, 254, 255],
            State = CallState.InCall,
            MaybeSmall = int.MinValue,
            MaybeBig = long.MaxValue,
            MaybeRatio = 2.0,
            MaybeFlag = false,
            MaybeWhen = DateTimeOffset.UnixEpoch,
            MaybeWhenUtc = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            MaybeId = Guid.Empty,
            MaybeState = CallState.Ringing,
            Computed = "must not be stored",
        };

        Response added = await table.AddEntityAsync(written);
        AllTypesEntity read = (await table.GetEntityAsync<AllTypesEntity>("pool", "all-set")).Value;

        Assert.Equal(written.Text, read.Text);
        Assert.Equal(written.Small, read.Small);
        Assert.Equal(written.Big, read.Big);
        Assert.Equal(written.Ratio, read.Ratio);
        Assert.True(read.Flag);
        Assert.Equal(written.When, read.When);
        Assert.Equal(written.When.UtcTicks, read.When.UtcTicks);
        Assert.Equal(written.WhenUtc, read.WhenUtc);
        Assert.Equal(DateTimeKind.Utc, read.WhenUtc.Kind);
        Assert.Equal(written.Id, read.Id);
        Assert.Equal(written.Bytes, read.Bytes);
        Assert.Equal(CallState.InCall, read.State);
        Assert.Equal(int.MinValue, read.MaybeSmall);
        Assert.Equal(long.MaxValue, read.MaybeBig);
        Assert.Equal(2.0, read.MaybeRatio);
        Assert.False(read.MaybeFlag);
        Assert.Equal(DateTimeOffset.UnixEpoch, read.MaybeWhen);
        Assert.Equal(written.MaybeWhenUtc, read.MaybeWhenUtc);
        Assert.Equal(Guid.Empty, read.MaybeId);
        Assert.Equal(CallState.Ringing, read.MaybeState);
        Assert.Equal("not stored", read.Computed);

        Assert.NotNull(read.Timestamp);
        Assert.NotEqual(default, read.ETag);
        Assert.Equal(added.Headers.ETag, read.ETag);
    }

    [Fact]
    public async Task Null_values_are_not_stored_and_read_back_as_null()
    {
        TableClient table = await CreateTableAsync();
        await table.AddEntityAsync(new AllTypesEntity { PartitionKey = "pool", RowKey = "nulls" });

        AllTypesEntity read = (await table.GetEntityAsync<AllTypesEntity>("pool", "nulls")).Value;
        TableEntity raw = (await table.GetEntityAsync<TableEntity>("pool", "nulls")).Value;

        Assert.Null(read.Text);
        Assert.Null(read.Bytes);
        Assert.Null(read.MaybeSmall);
        Assert.Null(read.MaybeBig);
        Assert.Null(read.MaybeRatio);
        Assert.Null(read.MaybeFlag);
        Assert.Null(read.MaybeWhen);
        Assert.Null(read.MaybeWhenUtc);
        Assert.Null(read.MaybeId);
        Assert.Null(read.MaybeState);
        Assert.False(raw.ContainsKey("Text"));
        Assert.False(raw.ContainsKey("MaybeSmall"));
        Assert.False(raw.ContainsKey(nameof(AllTypesEntity.Computed)), "[IgnoreDataMember] must keep a property out of storage");
        Assert.False(raw.ContainsKey(nameof(AllTypesEntity.Derived)), "read-only properties are not mapped");
        Assert.Equal("Idle", raw.GetString("State"));
    }

    [Fact]
    public async Task Dictionary_entity_round_trips_with_types_from_the_annotations()
    {
        TableClient table = await CreateTableAsync();
        var id = Guid.NewGuid();
        var when = new DateTimeOffset(2025, 1, 2, 3, 4, 5, 6, TimeSpan.Zero);
        var written = new TableEntity("pk", "rk")
        {
            ["Text"] = "value",
            ["Int32"] = 42,
            ["Int64"] = 5_000_000_000L,
            ["Double"] = 2.0,
            ["Flag"] = true,
            ["When"] = when,
            ["Id"] = id,
            ["Bytes"] = new byte[] { 9, 8, 7 },
            ["Skipped"] = null,
        };

        await table.AddEntityAsync(written);
        TableEntity read = (await table.GetEntityAsync<TableEntity>("pk", "rk")).Value;

        Assert.Equal("pk", read.PartitionKey);
        Assert.Equal("rk", read.RowKey);
        Assert.Equal("value", read.GetString("Text"));
        Assert.Equal(42, read.GetInt32("Int32"));
        Assert.Equal(5_000_000_000L, read.GetInt64("Int64"));
        Assert.IsType<double>(read["Double"]);
        Assert.Equal(2.0, read.GetDouble("Double"));
        Assert.True(read.GetBoolean("Flag"));
        Assert.Equal(when, read.GetDateTimeOffset("When"));
        Assert.Equal(id, read.GetGuid("Id"));
        Assert.Equal(new byte[] { 9, 8, 7 }, read.GetBinary("Bytes"));
        Assert.False(read.ContainsKey("Skipped"));
        Assert.Null(read.GetString("Missing"));
        Assert.NotNull(read.Timestamp);
        Assert.NotEqual(default, read.ETag);
        Assert.Throws<InvalidOperationException>(() => read.GetInt32("Text"));
    }

    [Fact]
    public async Task Non_finite_doubles_round_trip()
    {
        TableClient table = await CreateTableAsync();
        await table.AddEntityAsync(new TableEntity("p", "r") { ["NaN"] = double.NaN, ["Pos"] = double.PositiveInfinity, ["Neg"] = double.NegativeInfinity });
        await table.AddEntityAsync(new AllTypesEntity { PartitionKey = "p", RowKey = "typed", Ratio = double.NegativeInfinity, MaybeRatio = double.NaN });

        TableEntity read = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;
        AllTypesEntity typed = (await table.GetEntityAsync<AllTypesEntity>("p", "typed")).Value;

        Assert.True(double.IsNaN(read.GetDouble("NaN")!.Value));
        Assert.Equal(double.PositiveInfinity, read.GetDouble("Pos"));
        Assert.Equal(double.NegativeInfinity, read.GetDouble("Neg"));
        Assert.Equal(double.NegativeInfinity, typed.Ratio);
        Assert.True(double.IsNaN(typed.MaybeRatio!.Value));
    }

    [Fact]
    public async Task Adding_an_existing_entity_is_a_409_concurrency_conflict()
    {
        TableClient table = await CreateTableAsync();
        var entity = new SimpleEntity { PartitionKey = "p", RowKey = "r", Name = "first" };
        await table.AddEntityAsync(entity);

        TableConcurrencyException conflict = await Assert.ThrowsAsync<TableConcurrencyException>(
            () => table.AddEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "r", Name = "second" }));

        Assert.Equal(409, conflict.Status);
        Assert.Equal("EntityAlreadyExists", conflict.ErrorCode);
        Assert.Equal("first", (await table.GetEntityAsync<SimpleEntity>("p", "r")).Value.Name);
    }

    [Fact]
    public async Task Update_with_a_fresh_ETag_succeeds_and_a_stale_one_is_a_412_conflict()
    {
        TableClient table = await CreateTableAsync();
        await table.AddEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "r", Name = "v1", Count = 1 });
        SimpleEntity v1 = (await table.GetEntityAsync<SimpleEntity>("p", "r")).Value;

        v1.Name = "v2";
        Response updated = await table.UpdateEntityAsync(v1, v1.ETag, TableUpdateMode.Replace);
        ETag newETag = updated.Headers.ETag!.Value;

        Assert.NotEqual(v1.ETag, newETag);
        SimpleEntity v2 = (await table.GetEntityAsync<SimpleEntity>("p", "r")).Value;
        Assert.Equal("v2", v2.Name);
        Assert.Equal(newETag, v2.ETag);

        v1.Name = "lost update";
        TableConcurrencyException stale = await Assert.ThrowsAsync<TableConcurrencyException>(
            () => table.UpdateEntityAsync(v1, v1.ETag));
        Assert.Equal(412, stale.Status);
        Assert.Equal("UpdateConditionNotSatisfied", stale.ErrorCode);
        Assert.Equal("v2", (await table.GetEntityAsync<SimpleEntity>("p", "r")).Value.Name);

        Response forced = await table.UpdateEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "r", Name = "v3" }, ETag.All);
        Assert.NotEqual(newETag, forced.Headers.ETag);
    }

    [Fact]
    public async Task Update_of_a_missing_entity_is_a_404_not_a_concurrency_conflict()
    {
        TableClient table = await CreateTableAsync();

        RequestFailedException missing = await Assert.ThrowsAsync<RequestFailedException>(
            () => table.UpdateEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "nope" }, ETag.All));

        Assert.IsNotType<TableConcurrencyException>(missing);
        Assert.Equal(404, missing.Status);
        Assert.Equal("ResourceNotFound", missing.ErrorCode);
    }

    [Fact]
    public async Task Upsert_merge_keeps_unsent_properties_and_replace_drops_them()
    {
        TableClient table = await CreateTableAsync();
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["A"] = "a", ["B"] = "b" });

        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["B"] = "b2" }, TableUpdateMode.Merge);
        TableEntity merged = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;
        await table.UpsertEntityAsync(new TableEntity("p", "r") { ["C"] = "c" }, TableUpdateMode.Replace);
        TableEntity replaced = (await table.GetEntityAsync<TableEntity>("p", "r")).Value;

        Assert.Equal("a", merged.GetString("A"));
        Assert.Equal("b2", merged.GetString("B"));
        Assert.False(replaced.ContainsKey("A"));
        Assert.False(replaced.ContainsKey("B"));
        Assert.Equal("c", replaced.GetString("C"));
    }

    [Fact]
    public async Task Delete_honours_the_ETag_and_a_missing_entity_is_not_an_error()
    {
        TableClient table = await CreateTableAsync();
        Response added = await table.AddEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "r" });
        ETag original = added.Headers.ETag!.Value;
        ETag current = (await table.UpsertEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "r", Count = 2 })).Headers.ETag!.Value;

        TableConcurrencyException stale = await Assert.ThrowsAsync<TableConcurrencyException>(
            () => table.DeleteEntityAsync("p", "r", original));
        Assert.Equal(412, stale.Status);
        Assert.True((await table.GetEntityIfExistsAsync<SimpleEntity>("p", "r")).HasValue);

        Assert.Equal(204, (await table.DeleteEntityAsync("p", "r", current)).Status);
        Assert.False((await table.GetEntityIfExistsAsync<SimpleEntity>("p", "r")).HasValue);
        Assert.Equal(404, (await table.DeleteEntityAsync("p", "r")).Status);
    }

    [Fact]
    public async Task Get_of_a_missing_entity_is_a_404_and_IfExists_reports_no_value()
    {
        TableClient table = await CreateTableAsync();

        RequestFailedException missing = await Assert.ThrowsAsync<RequestFailedException>(
            () => table.GetEntityAsync<SimpleEntity>("p", "missing"));
        NullableResponse<SimpleEntity> ifExists = await table.GetEntityIfExistsAsync<SimpleEntity>("p", "missing");

        Assert.Equal(404, missing.Status);
        Assert.Equal("ResourceNotFound", missing.ErrorCode);
        Assert.False(ifExists.HasValue);
        Assert.Equal(404, ifExists.GetRawResponse().Status);
    }

    [Fact]
    public async Task Failures_carry_status_and_code_but_never_the_authorization_header()
    {
        string wrongKey = Convert.ToBase64String(new byte[64]);
        var table = new TableClient(
            _azurite.ConnectionString.Replace(AzuriteFixture.AccountKey, wrongKey, StringComparison.Ordinal),
            AzuriteFixture.UniqueTableName());

        RequestFailedException denied = await Assert.ThrowsAsync<RequestFailedException>(() => table.CreateIfNotExistsAsync());

        Assert.Equal(403, denied.Status);
        Assert.Equal("AuthorizationFailure", denied.ErrorCode);
        Assert.DoesNotContain("SharedKeyLite devstoreaccount1:", denied.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, denied.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Select_on_get_returns_only_the_chosen_properties()
    {
        TableClient table = await CreateTableAsync();
        await table.AddEntityAsync(new SimpleEntity { PartitionKey = "p", RowKey = "r", Name = "n", Count = 7 });

        SimpleEntity read = (await table.GetEntityAsync<SimpleEntity>("p", "r", select: ["Count"])).Value;

        Assert.Equal(7, read.Count);
        Assert.Null(read.Name);
    }

    private async Task<TableClient> CreateTableAsync()
    {
        TableClient table = _azurite.CreateTableClient();
        await table.CreateIfNotExistsAsync();
        return table;
    }
}
