using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Data.Tables;

namespace SynthflowConnector.Hooks;

/// <summary>
/// How a <see cref="StoredCallEvent"/> becomes one <c>CallEvents</c> row. The event JSON and the original body are split
/// into string properties of at most <see cref="ChunkChars"/> characters (the service's 64 KiB per string), together at
/// most <see cref="BudgetChars"/> (about 940 KiB as UTF-16, under the 1 MiB per entity). Above that, in order: the
/// event's <c>raw</c> is dropped; the original body is dropped when it is more than half the budget; the transcript is
/// cut with a marker saying so; as a last resort the analysis, collected variables and extracted values are dropped.
/// What was trimmed is recorded in the row's <c>Trimmed</c> property (and logged by nobody: it is not an error).
/// </summary>
internal static class CallEventRows
{
    internal const int ChunkChars = 32_000;
    internal const int BudgetChars = 15 * ChunkChars;

    /// <summary>The partition of the "fan-out not done yet" index rows ($ never appears in an escaped call id).</summary>
    internal const string PendingPartition = "$pending";

    internal const string TranscriptMarkerStart = "[transcript truncated by the connector: ";

    private const string EventPrefix = "E";
    private const string BodyPrefix = "B";

    /// <summary>Storage JSON: camelCase, nulls left out, non-ASCII kept as is (no \uXXXX blow-up of transcripts).</summary>
    private static readonly HookStorageJsonContext Json = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static string PartitionKey(string callId) => HookKeys.Escape(callId);

    public static string RowKey(string status) => HookKeys.Escape(status);

    /// <summary>The index row's key: escaped call id and status joined by <c>$</c> (which neither can contain).</summary>
    public static string PendingRowKey(string callId, string status) => PartitionKey(callId) + "$" + RowKey(status);

    public static TableEntity PendingRow(CallEndedEvent callEnded) => new(PendingPartition, PendingRowKey(callEnded.CallId, callEnded.Status))
    {
        ["CallId"] = callEnded.CallId,
        ["Status"] = callEnded.Status,
        ["AcceptedAt"] = callEnded.ReceivedAt,
    };

    public static TableEntity ToEntity(StoredCallEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var (callEnded, body, trimmed) = Fit(stored.Event, stored.OriginalBody);
        var entity = new TableEntity(PartitionKey(callEnded.CallId), RowKey(callEnded.Status))
        {
            ["CallId"] = callEnded.CallId,
            ["Status"] = callEnded.Status,
            ["ModelId"] = callEnded.ModelId,
            ["AcceptedAt"] = callEnded.ReceivedAt,
            ["FannedOut"] = stored.FannedOut,
            ["Claim"] = stored.Claim,
            ["HasBody"] = body is not null,
            ["Trimmed"] = trimmed.Count == 0 ? null : string.Join("; ", trimmed),
        };
        entity["EventParts"] = WriteChunks(entity, EventPrefix, Serialize(callEnded));
        entity["BodyParts"] = WriteChunks(entity, BodyPrefix, body ?? string.Empty);
        return entity;
    }

    public static StoredCallEvent FromEntity(TableEntity entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        var eventJson = ReadChunks(entity, EventPrefix, entity.GetInt32("EventParts") ?? 0);
        return new StoredCallEvent
        {
            Event = JsonSerializer.Deserialize(eventJson, Json.CallEndedEvent) ?? throw new JsonException("The stored event is empty."),
            OriginalBody = entity.GetBoolean("HasBody") == true ? ReadChunks(entity, BodyPrefix, entity.GetInt32("BodyParts") ?? 0) : null,
            FannedOut = entity.GetBoolean("FannedOut") == true,
            Claim = entity.GetString("Claim"),
        };
    }

    /// <summary>What <see cref="ToEntity"/> trimmed, in words; null when nothing.</summary>
    public static string? Trimmed(TableEntity entity) => entity?.GetString("Trimmed");

    internal static (CallEndedEvent Event, string? Body, List<string> Trimmed) Fit(CallEndedEvent callEnded, string? body)
    {
        var trimmed = new List<string>();
        var size = Serialize(callEnded).Length;
        if (size + (body?.Length ?? 0) <= BudgetChars)
        {
            return (callEnded, body, trimmed);
        }

        if (callEnded.Raw is not null)
        {
            callEnded = callEnded with { Raw = null };
            trimmed.Add("raw dropped");
            size = Serialize(callEnded).Length;
        }

        if (body is not null && size + body.Length > BudgetChars && body.Length > BudgetChars / 2)
        {
            body = null;
            trimmed.Add("original body dropped");
        }

        var room = BudgetChars - (body?.Length ?? 0);
        if (size > room && callEnded.Transcript is { Length: > 0 } transcript)
        {
            var keep = transcript.Length;
            while (size > room && keep > 0)
            {
                keep = Math.Max(0, keep - (size - room) - 64);
                if (keep > 0 && char.IsHighSurrogate(transcript[keep - 1]))
                {
                    keep--;
                }

                var marker = string.Create(CultureInfo.InvariantCulture, $"{TranscriptMarkerStart}{keep} of {transcript.Length} characters kept]");
                callEnded = callEnded with { Transcript = keep == 0 ? marker : transcript[..keep] + "\n" + marker };
                size = Serialize(callEnded).Length;
            }

            trimmed.Add("transcript truncated");
        }

        if (size > room)
        {
            callEnded = callEnded with { Analysis = null, CollectedVariables = null, ExtractedValues = null };
            trimmed.Add("analysis, collected variables and extracted values dropped");
            size = Serialize(callEnded).Length;
        }

        return size <= room
            ? (callEnded, body, trimmed)
            : throw new ArgumentException($"The call's event is too large to store ({size} characters after trimming).", nameof(callEnded));
    }

    private static string Serialize(CallEndedEvent callEnded) => JsonSerializer.Serialize(callEnded, Json.CallEndedEvent);

    private static int WriteChunks(TableEntity entity, string prefix, string text)
    {
        var parts = 0;
        for (var start = 0; start < text.Length; parts++)
        {
            var length = Math.Min(ChunkChars, text.Length - start);

            // Never split a surrogate pair across two properties: each half alone is not valid text on the wire.
            if (start + length < text.Length && char.IsHighSurrogate(text[start + length - 1]))
            {
                length--;
            }

            entity[ChunkName(prefix, parts)] = text.Substring(start, length);
            start += length;
        }

        return parts;
    }

    private static string ReadChunks(TableEntity entity, string prefix, int parts)
    {
        var builder = new StringBuilder();
        for (var part = 0; part < parts; part++)
        {
            builder.Append(entity.GetString(ChunkName(prefix, part)));
        }

        return builder.ToString();
    }

    private static string ChunkName(string prefix, int part) => prefix + part.ToString("D2", CultureInfo.InvariantCulture);
}
