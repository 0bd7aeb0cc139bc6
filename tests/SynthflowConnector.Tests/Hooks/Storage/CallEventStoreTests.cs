using System.Text.Json.Nodes;
using Azure.Data.Tables;
using SynthflowConnector.Hooks;
using SynthflowConnector.Tests.Infrastructure;
using SynthflowConnector.Tests.Storage;

namespace SynthflowConnector.Tests.Hooks.Storage;

/// <summary>The call-event store on real Azurite: insert-only dedupe, fan-out bookkeeping, odd keys and large events.</summary>
[Collection("Azurite")]
public sealed class CallEventStoreTests(AzuriteFixture azurite)
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly string _tableName = AzuriteFixture.UniqueTableName();

    private TableCallEventStore Store() => new(azurite.CreateConnectorTables()) { TableName = _tableName };

    internal static CallEndedEvent Event(string callId = "call-1", string status = "completed", DateTimeOffset? receivedAt = null, string? transcript = "Hi.") => new()
    {
        CallId = callId,
        ModelId = "agent-1",
        Status = status,
        EndCallReason = "human_goodbye",
        Duration = 42,
        StartTime = Now.AddSeconds(-60),
        EndTime = Now.AddSeconds(-18),
        ToPhoneNumber = "+16175550199",
        Transcript = transcript,
        Analysis = new JsonObject { ["summary"] = "ok", ["score"] = 3 },
        CollectedVariables = new JsonObject { ["order"] = "A-17" },
        ReceivedAt = receivedAt ?? Now,
        Raw = new JsonObject { ["telephony_id"] = "tid", ["nested"] = new JsonObject { ["a"] = new JsonArray(1, 2) } },
    };

    [Fact]
    public async Task The_first_add_wins_and_a_duplicate_changes_nothing()
    {
        var store = Store();
        var stored = new StoredCallEvent { Event = Event(), OriginalBody = "{\"call_id\":\"call-1\"}" };

        Assert.True(await store.TryAddAsync(stored, CancellationToken.None));
        Assert.False(await store.TryAddAsync(stored with { Event = Event() with { Duration = 1 }, OriginalBody = "other" }, CancellationToken.None));

        var read = await store.GetAsync("call-1", "completed", CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal(42, read.Event.Duration);
        Assert.Equal("{\"call_id\":\"call-1\"}", read.OriginalBody);
        Assert.False(read.FannedOut);
        Assert.Equal(stored.Event.Raw!.ToJsonString(), read.Event.Raw!.ToJsonString());
        Assert.Equal(stored.Event.Analysis!.ToJsonString(), read.Event.Analysis!.ToJsonString());
        Assert.Equal(stored.Event with { Raw = null, Analysis = null, CollectedVariables = null }, read.Event with { Raw = null, Analysis = null, CollectedVariables = null });
        Assert.Null(await store.GetAsync("call-1", "busy", CancellationToken.None));
    }

    [Fact]
    public async Task A_claim_stores_the_event_fanned_out_again_for_its_own_claim_and_refuses_another()
    {
        var store = Store();
        var claimed = new StoredCallEvent { Event = Event("claimed"), OriginalBody = "{\"call_id\":\"claimed\"}", FannedOut = true, Claim = "claim-a" };

        Assert.True(await store.TryClaimAsync(claimed, CancellationToken.None));
        Assert.True(await store.TryClaimAsync(claimed, CancellationToken.None)); // the same message handled again
        Assert.False(await store.TryClaimAsync(claimed with { Event = Event("claimed") with { Duration = 1 }, Claim = "claim-b" }, CancellationToken.None));
        Assert.False(await store.TryAddAsync(claimed with { Claim = null }, CancellationToken.None));

        var read = await store.GetAsync("claimed", "completed", CancellationToken.None);
        Assert.NotNull(read);
        Assert.Equal(("claim-a", 42, true), (read.Claim, read.Event.Duration, read.FannedOut));
        Assert.Equal(claimed.OriginalBody, read.OriginalBody);
        Assert.True(await store.AnyForCallAsync("claimed", CancellationToken.None));
        // Stored fanned out and without an index row: the sweep never re-queues it (its queue message does that).
        Assert.Empty(await store.ListNotFannedOutAsync(Now.AddDays(1), CancellationToken.None));
    }

    [Fact]
    public async Task Keys_the_table_service_refuses_are_escaped_and_read_back_as_sent()
    {
        var store = Store();
        string[] callIds = ["a/b\\c#d?e", "$pending", "100%~x", "tab\there", new string('z', 3000)];
        foreach (var callId in callIds)
        {
            Assert.True(await store.TryAddAsync(new StoredCallEvent { Event = Event(callId, status: "weird/status#1") }, CancellationToken.None));
        }

        foreach (var callId in callIds)
        {
            Assert.Equal(callId, (await store.GetAsync(callId, "weird/status#1", CancellationToken.None))!.Event.CallId);
            Assert.True(await store.AnyForCallAsync(callId, CancellationToken.None));
        }

        Assert.False(await store.AnyForCallAsync("a/b", CancellationToken.None));
    }

    [Fact]
    public async Task Marking_fanned_out_replaces_the_event_keeps_the_body_and_leaves_the_not_fanned_out_list()
    {
        var store = Store();
        await store.TryAddAsync(new StoredCallEvent { Event = Event("c1", receivedAt: Now.AddMinutes(-10)), OriginalBody = "{\"body\":1}" }, CancellationToken.None);
        await store.TryAddAsync(new StoredCallEvent { Event = Event("c2", receivedAt: Now.AddMinutes(-10)) }, CancellationToken.None);
        await store.TryAddAsync(new StoredCallEvent { Event = Event("c3", receivedAt: Now) }, CancellationToken.None);

        var pending = await store.ListNotFannedOutAsync(Now.AddMinutes(-2), CancellationToken.None);
        Assert.Equal(["c1", "c2"], pending.Select(p => p.Event.CallId).Order(StringComparer.Ordinal));

        var read = await store.GetAsync("c1", "completed", CancellationToken.None);
        await store.MarkFannedOutAsync(read!, read!.Event with { RecordingUrl = "https://rec.example/1.wav" }, CancellationToken.None);

        var marked = await store.GetAsync("c1", "completed", CancellationToken.None);
        Assert.True(marked!.FannedOut);
        Assert.Equal("https://rec.example/1.wav", marked.Event.RecordingUrl);
        Assert.Equal("{\"body\":1}", marked.OriginalBody);
        Assert.Equal("c2", Assert.Single(await store.ListNotFannedOutAsync(Now.AddMinutes(-2), CancellationToken.None)).Event.CallId);

        // A duplicate of a fanned-out event leaves a stale index row behind; the list drops it rather than report it.
        Assert.False(await store.TryAddAsync(new StoredCallEvent { Event = Event("c1", receivedAt: Now.AddMinutes(-5)) }, CancellationToken.None));
        Assert.Equal("c2", Assert.Single(await store.ListNotFannedOutAsync(Now.AddMinutes(-2), CancellationToken.None)).Event.CallId);
        Assert.Equal(["c2", "c3"], (await store.ListNotFannedOutAsync(Now.AddMinutes(1), CancellationToken.None)).Select(p => p.Event.CallId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Marking_fanned_out_reads_nothing_again_it_writes_the_event_and_removes_the_index_row()
    {
        var counter = new RequestCountingPolicy();
        var store = new TableCallEventStore(azurite.CreateConnectorTables(StorageTestOptions.Counting(counter))) { TableName = _tableName };
        await store.TryAddAsync(new StoredCallEvent { Event = Event("c1"), OriginalBody = "{\"body\":1}" }, CancellationToken.None);
        var read = await store.GetAsync("c1", "completed", CancellationToken.None);
        counter.Reset();

        await store.MarkFannedOutAsync(read!, read!.Event with { RecordingUrl = "https://rec.example/1.wav" }, CancellationToken.None);

        Assert.Equal(["PUT", "DELETE"], counter.Requests.Select(request => request.Split(' ')[0]));
        var marked = await store.GetAsync("c1", "completed", CancellationToken.None);
        Assert.True(marked!.FannedOut);
        Assert.Equal("{\"body\":1}", marked.OriginalBody);
        Assert.Empty(await store.ListNotFannedOutAsync(Now.AddDays(1), CancellationToken.None));
    }

    [Fact]
    public async Task A_large_event_and_body_are_split_across_properties_and_read_back_whole()
    {
        var store = Store();
        var transcript = string.Concat(Enumerable.Range(0, 6000).Select(i => $"bot: line {i} — ünïcødé 😀\n"));
        var body = "{\"transcript\":\"" + new string('b', 150_000) + "\"}";
        Assert.True(transcript.Length > 3 * CallEventRows.ChunkChars);

        await store.TryAddAsync(new StoredCallEvent { Event = Event("big", transcript: transcript), OriginalBody = body }, CancellationToken.None);

        var read = await store.GetAsync("big", "completed", CancellationToken.None);
        Assert.Equal(transcript, read!.Event.Transcript);
        Assert.Equal(body, read.OriginalBody);
        Assert.NotNull(read.Event.Raw);
        var row = await azurite.CreateTableClient(_tableName).GetEntityAsync<TableEntity>("big", "completed");
        Assert.True(row.Value.GetInt32("EventParts") > 1);
        Assert.Null(CallEventRows.Trimmed(row.Value));
    }

    [Fact]
    public async Task An_event_over_the_entity_limit_loses_raw_then_the_body_then_transcript_text_with_a_marker()
    {
        var store = Store();
        var transcript = new string('t', 700_000);
        var callEnded = Event("huge", transcript: transcript) with { Raw = new JsonObject { ["blob"] = new string('r', 100_000) } };

        await store.TryAddAsync(new StoredCallEvent { Event = callEnded, OriginalBody = new string('b', 800_000) }, CancellationToken.None);

        var read = await store.GetAsync("huge", "completed", CancellationToken.None);
        Assert.Null(read!.Event.Raw);
        Assert.Null(read.OriginalBody);
        Assert.StartsWith(new string('t', 1000), read.Event.Transcript, StringComparison.Ordinal);
        Assert.Contains(CallEventRows.TranscriptMarkerStart, read.Event.Transcript, StringComparison.Ordinal);
        Assert.EndsWith($" of {transcript.Length} characters kept]", read.Event.Transcript, StringComparison.Ordinal);
        Assert.True(read.Event.Transcript!.Length <= CallEventRows.BudgetChars);
        Assert.NotNull(read.Event.Analysis);
        var row = await azurite.CreateTableClient(_tableName).GetEntityAsync<TableEntity>("huge", "completed");
        Assert.Equal("raw dropped; original body dropped; transcript truncated", CallEventRows.Trimmed(row.Value));
    }

    [Fact]
    public async Task A_body_within_its_half_of_the_budget_is_kept_and_the_transcript_cut_instead()
    {
        var store = Store();
        var body = new string('b', 100_000);

        await store.TryAddAsync(new StoredCallEvent { Event = Event("kept-body", transcript: new string('t', 450_000)), OriginalBody = body }, CancellationToken.None);

        var read = await store.GetAsync("kept-body", "completed", CancellationToken.None);
        Assert.Equal(body, read!.OriginalBody);
        Assert.Contains(CallEventRows.TranscriptMarkerStart, read.Event.Transcript, StringComparison.Ordinal);
    }
}
