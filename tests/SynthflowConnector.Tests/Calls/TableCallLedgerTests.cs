using Microsoft.Extensions.Options;
using SynthflowConnector.Calls;
using SynthflowConnector.Tests.Infrastructure;
using SynthflowConnector.Tests.Storage;

namespace SynthflowConnector.Tests.Calls;

/// <summary>
/// The idempotency ledger on Azurite: of concurrent writers with one key or one version exactly one wins, and a loser
/// learns it from the answer (null / false), never from an SDK exception.
/// </summary>
[Collection("Azurite")]
public sealed class TableCallLedgerTests(AzuriteFixture azurite)
{
    private TableCallLedger Ledger(Azure.Data.Tables.TableClientOptions? options = null) =>
        new(azurite.CreateConnectorTables(options), Options.Create(new CallsOptions { TableName = AzuriteFixture.UniqueTableName() }));

    private static CallLedgerEntry Entry(string state = CallLedgerStates.InFlight, string? callId = null) => new()
    {
        RequestHash = "hash",
        State = state,
        ModelId = "agent",
        Phone = "+14155550101",
        AttemptStartedAt = DateTimeOffset.UtcNow,
        LeaseUntil = DateTimeOffset.UtcNow.AddMinutes(1),
        ExpiresAt = DateTimeOffset.UtcNow.AddDays(1),
        CallId = callId,
        Eta = callId is null ? null : 30,
    };

    [Fact]
    public async Task Of_concurrent_adds_of_one_key_exactly_one_holds_it()
    {
        var ledger = Ledger();

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => ledger.TryAddAsync("key", Entry() with { RequestHash = $"h{i}" }, CancellationToken.None)));

        var winner = Assert.Single(results, r => r is not null)!;
        var stored = (await ledger.GetAsync("key", CancellationToken.None))!;
        Assert.Equal(winner.RequestHash, stored.RequestHash);
        Assert.Equal(winner.Version, stored.Version);
    }

    [Fact]
    public async Task A_stored_entry_reads_back_whole_with_its_version()
    {
        var ledger = Ledger();
        var added = (await ledger.TryAddAsync("any text: is a key / # ?", Entry(CallLedgerStates.Completed, "call-1"), CancellationToken.None))!;

        var read = (await ledger.GetAsync("any text: is a key / # ?", CancellationToken.None))!;

        Assert.StartsWith("W/\"", added.Version, StringComparison.Ordinal);
        Assert.Equal(added, read);
        Assert.Null(await ledger.GetAsync("another key", CancellationToken.None));
    }

    [Fact]
    public async Task Of_concurrent_replaces_of_one_version_exactly_one_wins_and_the_rest_get_null()
    {
        var ledger = Ledger();
        var added = (await ledger.TryAddAsync("key", Entry(), CancellationToken.None))!;

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            ledger.TryReplaceAsync("key", Entry(CallLedgerStates.Completed, $"call-{i}"), added.Version, CancellationToken.None)));

        var winner = Assert.Single(results, r => r is not null)!;
        Assert.Equal(winner.CallId, (await ledger.GetAsync("key", CancellationToken.None))!.CallId);
        Assert.Null(await ledger.TryReplaceAsync("key", Entry(), added.Version, CancellationToken.None)); // stale
        Assert.Null(await ledger.TryReplaceAsync("missing", Entry(), added.Version, CancellationToken.None)); // gone
    }

    [Fact]
    public async Task Delete_succeeds_only_at_the_current_version_and_of_racing_deletes_all_see_it_gone()
    {
        var ledger = Ledger();
        var added = (await ledger.TryAddAsync("key", Entry(), CancellationToken.None))!;
        var replaced = (await ledger.TryReplaceAsync("key", Entry(CallLedgerStates.Unknown), added.Version, CancellationToken.None))!;

        Assert.False(await ledger.TryDeleteAsync("key", added.Version, CancellationToken.None));
        Assert.NotNull(await ledger.GetAsync("key", CancellationToken.None));

        var deletes = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => ledger.TryDeleteAsync("key", replaced.Version, CancellationToken.None)));

        // The first delete removes the entry; a racing one at the same version finds nothing left, which is the same end.
        Assert.Contains(true, deletes);
        Assert.Null(await ledger.GetAsync("key", CancellationToken.None));
        Assert.NotNull(await ledger.TryAddAsync("key", Entry(), CancellationToken.None)); // the key is free again
    }

    [Fact]
    public async Task Unreachable_storage_is_StoreUnavailable()
    {
        var ledger = Ledger(StorageTestOptions.With(ClosedPortPolicy.Always()));

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => ledger.TryAddAsync("key", Entry(), CancellationToken.None));

        Assert.Equal("Table storage could not be reached.", error.Message);
        Assert.Null(error.Status);
    }
}
