using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Campaigns;

/// <summary>
/// <see cref="IAccountPacingStore"/> on one row of the <c>AccountPacing</c> table (PartitionKey <c>account</c>, RowKey
/// <c>pacing</c>): <c>NextStartAt</c>, and <c>Live</c> as JSON (continued in <c>Live1</c>, <c>Live2</c>… past a property's
/// 64 KiB). Writes are guarded by the row's ETag: an insert when none exists, else a replace if it still matches.
/// </summary>
internal sealed class TableAccountPacingStore(ConnectorTables tables) : IAccountPacingStore
{
    public const string DefaultTableName = "AccountPacing";
    public const string Partition = "account";
    public const string Row = "pacing";

    /// <summary>Characters per JSON property: a string property holds 64 KiB of UTF-16.</summary>
    private const int ChunkLength = 30_000;

    /// <summary>The table's name; internal so tests can give each test (or each pair of Hosts) its own table.</summary>
    internal string TableName { get; init; } = DefaultTableName;

    public Task<(AccountPacingState State, string? ETag)> ReadAsync(CancellationToken cancellationToken) =>
        StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            var row = await table.GetEntityIfExistsAsync<TableEntity>(Partition, Row, cancellationToken: cancellationToken).ConfigureAwait(false);
            return row.HasValue ? (ToState(row.Value!), row.Value!.ETag.ToString()) : (new AccountPacingState(), (string?)null);
        });

    public Task<bool> TryWriteAsync(AccountPacingState state, string? etag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        return StorageFaults.RunAsync(async () =>
        {
            var table = await tables.GetAsync(TableName, cancellationToken).ConfigureAwait(false);
            var entity = ToEntity(state);
            try
            {
                if (etag is null)
                {
                    await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await table.UpdateEntityAsync(entity, new ETag(etag), TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                }

                return true;
            }
            catch (RequestFailedException exception) when (exception.IsAlreadyExists() || exception.IsStale() || exception.IsNotFound())
            {
                return false; // Another instance wrote first (or removed the row): the pacer reads again.
            }
        });
    }

    private static TableEntity ToEntity(AccountPacingState state)
    {
        var slots = state.Live.ToDictionary(pair => pair.Key, pair => new StoredSlot(pair.Value.ReservedAt, pair.Value.CallId, pair.Value.CheckedAt), StringComparer.Ordinal);
        var json = JsonSerializer.Serialize(slots, PacingStorageJsonContext.Default.DictionaryStringStoredSlot);
        var entity = new TableEntity(Partition, Row) { ["NextStartAt"] = state.NextStartAt };
        for (int i = 0, start = 0; start < json.Length || i == 0; i++, start += ChunkLength)
        {
            entity[ChunkName(i)] = json.Substring(start, Math.Min(ChunkLength, json.Length - start));
        }

        return entity;
    }

    private static AccountPacingState ToState(TableEntity entity)
    {
        var json = new StringBuilder();
        for (var i = 0; entity.GetString(ChunkName(i)) is { } chunk; i++)
        {
            json.Append(chunk);
        }

        var slots = json.Length == 0 ? null : JsonSerializer.Deserialize(json.ToString(), PacingStorageJsonContext.Default.DictionaryStringStoredSlot);
        return new AccountPacingState
        {
            NextStartAt = entity.GetDateTimeOffset("NextStartAt") ?? DateTimeOffset.MinValue,
            Live = (slots ?? []).ToDictionary(
                pair => pair.Key,
                pair => new LiveCallSlot { ReservedAt = pair.Value.ReservedAt, CallId = pair.Value.CallId, CheckedAt = pair.Value.CheckedAt },
                StringComparer.Ordinal),
        };
    }

    private static string ChunkName(int index) => index == 0 ? "Live" : "Live" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One held slot as stored in <c>Live</c>.</summary>
internal sealed record StoredSlot(DateTimeOffset ReservedAt, string? CallId, DateTimeOffset? CheckedAt);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Dictionary<string, StoredSlot>))]
internal sealed partial class PacingStorageJsonContext : JsonSerializerContext;
