using System.Text.Json;
using System.Text.Json.Serialization;

namespace SynthflowConnector.Synthflow;

// Envelopes exactly as Synthflow's OpenAPI subset writes them. Internal: callers see the records.

internal sealed record Pagination
{
    public int TotalRecords { get; init; }
    public int Limit { get; init; }
    public int Offset { get; init; }
}

internal sealed record StatusEnvelope
{
    public string? Status { get; init; }
}

/// <summary>Synthflow's answer envelope: <c>{status, response: {pagination?, …items}}</c>.</summary>
internal sealed record Envelope<TResponse>
{
    public string? Status { get; init; }
    public TResponse? Response { get; init; }
}

internal sealed record AssistantsPage
{
    public Pagination? Pagination { get; init; }

    // The spec's list-assistant schema declares a single object here, get-assistant an array: accept both.
    [JsonConverter(typeof(SingleOrArrayConverter<SynthflowAgent>))]
    public IReadOnlyList<SynthflowAgent>? Assistants { get; init; }
}

internal sealed record NumbersPage
{
    public Pagination? Pagination { get; init; }
    public IReadOnlyList<WorkspacePhoneNumber>? PhoneNumbers { get; init; }
}

internal sealed record CallsPage
{
    public Pagination? Pagination { get; init; }

    [JsonConverter(typeof(SingleOrArrayConverter<SynthflowCall>))]
    public IReadOnlyList<SynthflowCall>? Calls { get; init; }
}

internal sealed record CallCreatedEnvelope
{
    public string? Status { get; init; }
    public CallCreatedBody? Response { get; init; }
    public int? Eta { get; init; }
}

internal sealed record CallCreatedBody
{
    public string? Answer { get; init; }
    public string? CallId { get; init; }
}

internal sealed record AttachByNumbersBody(IReadOnlyList<string> PhoneNumbers);

internal sealed record AttachBySlugsBody(IReadOnlyList<string> PhoneNumberSlugs);

/// <summary>The three error shapes Synthflow answers with, read leniently.</summary>
internal sealed record ErrorDetailBody
{
    public string? Status { get; init; }
    public string? Description { get; init; }
    public string? RequestId { get; init; }
    public string? Category { get; init; }
}

/// <summary>Reads a value that may be one object or an array of them.</summary>
internal sealed class SingleOrArrayConverter<T> : JsonConverter<IReadOnlyList<T>>
{
    public override IReadOnlyList<T>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var info = (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.StartObject:
                var single = JsonSerializer.Deserialize(ref reader, info);
                return single is null ? [] : [single];
            case JsonTokenType.StartArray:
                var items = new List<T>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var item = JsonSerializer.Deserialize(ref reader, info);
                    if (item is not null)
                    {
                        items.Add(item);
                    }
                }

                return items;
            default:
                throw new JsonException($"Expected an object or an array, found {reader.TokenType}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<T> value, JsonSerializerOptions options)
    {
        var info = (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
        writer.WriteStartArray();
        foreach (var item in value)
        {
            JsonSerializer.Serialize(writer, item, info);
        }

        writer.WriteEndArray();
    }
}

/// <summary>
/// The wire context with a relaxed encoder, so <c>+</c> goes out as <c>+</c> rather than <c>\u002B</c>: the same JSON,
/// but what support sees in Synthflow's logs matches what users typed.
/// </summary>
internal static class SynthflowJson
{
    public static SynthflowJsonContext Context { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(Envelope<AssistantsPage>))]
[JsonSerializable(typeof(Envelope<NumbersPage>))]
[JsonSerializable(typeof(Envelope<CallsPage>))]
[JsonSerializable(typeof(CallCreatedEnvelope))]
[JsonSerializable(typeof(StatusEnvelope))]
[JsonSerializable(typeof(PlaceCallRequest))]
[JsonSerializable(typeof(AttachByNumbersBody))]
[JsonSerializable(typeof(AttachBySlugsBody))]
[JsonSerializable(typeof(ErrorDetailBody))]
[JsonSerializable(typeof(JsonElement))]

internal sealed partial class SynthflowJsonContext : JsonSerializerContext;
