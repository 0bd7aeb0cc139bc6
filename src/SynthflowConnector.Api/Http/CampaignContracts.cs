using System.Text.Json;
using System.Text.Json.Serialization;

namespace SynthflowConnector.Http;

// The campaign actions' and the suppression list's public contracts (camelCase). Views are built in CampaignViews.

/// <summary>Body of <c>POST /api/campaigns</c>: shape only; the campaign service checks meaning and names fields.</summary>
public sealed record CreateCampaignRequest
{
    public string? ModelId { get; init; }
    public string? Name { get; init; }
    public IReadOnlyList<CampaignRecipientRequest?>? Recipients { get; init; }
    public string? CallerIdStrategy { get; init; }
    public CallingHoursRequest? CallingHours { get; init; }
    public string? DefaultTimezone { get; init; }
    public CampaignRetryRequest? Retry { get; init; }
    public DateTimeOffset? StartAt { get; init; }
}

public sealed record CampaignRecipientRequest
{
    public string? Phone { get; init; }
    public string? Name { get; init; }

    /// <summary>Text values; numbers and booleans (a Select over a table) are taken as their text.</summary>
    [JsonConverter(typeof(LenientTextDictionaryConverter))]
    public IReadOnlyDictionary<string, string?>? CustomVariables { get; init; }

    public string? LeadTimezone { get; init; }
}

public sealed record CallingHoursRequest
{
    /// <summary>24-hour <c>HH:mm</c>, the recipient's local time.</summary>
    public string? Start { get; init; }

    public string? End { get; init; }

    /// <summary><c>mon</c> … <c>sun</c>.</summary>
    public IReadOnlyList<string>? Days { get; init; }
}

public sealed record CampaignRetryRequest
{
    public int? MaxAttempts { get; init; }

    /// <summary><c>hh:mm:ss</c> or ISO 8601 (<c>PT30M</c>).</summary>
    public string? MinSpacing { get; init; }

    public IReadOnlyList<string>? On { get; init; }
}

/// <summary>What create answers: the campaign's id, state and counts (and whether this repeats an earlier create).</summary>
public sealed record CampaignCreated
{
    public required string CampaignId { get; init; }
    public required string State { get; init; }
    public required CampaignCountsResponse Counts { get; init; }

    /// <summary>True when this answer repeats an earlier create with the same Idempotency-Key: nothing new was created.</summary>
    public bool IdempotentReplay { get; init; }
}

/// <summary>A campaign as get, list, pause, resume and cancel answer it (and as the campaign-completed trigger delivers it).</summary>
public sealed record CampaignDetails
{
    public required string CampaignId { get; init; }
    public required string Name { get; init; }
    public required string ModelId { get; init; }

    /// <summary>scheduled, running, paused, completed or canceled.</summary>
    public required string State { get; init; }

    public string? CallerIdStrategy { get; init; }
    public required CallingHoursResponse CallingHours { get; init; }
    public string? DefaultTimezone { get; init; }
    public required CampaignRetryResponse Retry { get; init; }
    public DateTimeOffset? StartAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>When the next attempt is due (a closed calling window, a retry's spacing, a later start); null when nothing waits.</summary>
    public DateTimeOffset? NextDispatchAt { get; init; }

    public required CampaignCountsResponse Counts { get; init; }
}

public sealed record CallingHoursResponse
{
    public required string Start { get; init; }
    public required string End { get; init; }
    public required IReadOnlyList<string> Days { get; init; }
}

public sealed record CampaignRetryResponse
{
    public required int MaxAttempts { get; init; }

    /// <summary><c>hh:mm:ss</c>.</summary>
    public required string MinSpacing { get; init; }

    public required IReadOnlyList<string> On { get; init; }
}

/// <summary>Recipients by state (every state, zeros included) and by the last attempt's final status.</summary>
public sealed record CampaignCountsResponse
{
    public required int Total { get; init; }

    /// <summary>pending, calling, waiting-retry, done, skipped, canceled → recipients.</summary>
    public required IReadOnlyDictionary<string, int> ByState { get; init; }

    /// <summary>Final status of the last attempt → recipients (completed, no-answer, busy, …).</summary>
    public required IReadOnlyDictionary<string, int> ByOutcome { get; init; }
}

public sealed record CampaignList(IReadOnlyList<CampaignDetails> Campaigns);

/// <summary>One recipient and how far it got.</summary>
public sealed record CampaignRecipientItem
{
    /// <summary>The row index in the create request.</summary>
    public required int Index { get; init; }

    public required string Phone { get; init; }
    public required string Name { get; init; }

    /// <summary>The IANA zone its calling hours are read in.</summary>
    public required string TimeZone { get; init; }

    /// <summary>pending, calling, waiting-retry, done, skipped or canceled.</summary>
    public required string State { get; init; }

    public required int Attempts { get; init; }
    public required IReadOnlyList<string> CallIds { get; init; }
    public string? LastStatus { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public string? SkippedReason { get; init; }
}

/// <summary>A page of recipients; <see cref="NextLink"/> is the next page's full URL (absent on the last page).</summary>
public sealed record CampaignRecipientPage
{
    public required IReadOnlyList<CampaignRecipientItem> Value { get; init; }
    public string? NextLink { get; init; }
}

/// <summary>Body of <c>PUT /api/suppressions/{phone}</c> (optional).</summary>
public sealed record SuppressNumberRequest
{
    public string? Reason { get; init; }
}

/// <summary>Body of the bulk add <c>POST /api/suppressions</c>: 1 to 10,000 numbers.</summary>
public sealed record SuppressNumbersRequest
{
    public IReadOnlyList<SuppressNumberItem?>? Numbers { get; init; }
}

public sealed record SuppressNumberItem
{
    public string? Phone { get; init; }
    public string? Reason { get; init; }
}

public sealed record SuppressedNumber
{
    public required string Phone { get; init; }
    public string? Reason { get; init; }
    public required DateTimeOffset AddedAt { get; init; }
}

/// <summary>The suppression list (at most 1,000 numbers); <see cref="Truncated"/> when it may hold more than the answer shows.</summary>
public sealed record SuppressedNumberList(IReadOnlyList<SuppressedNumber> Suppressions, bool Truncated);

public sealed record SuppressNumbersResult(int Added);

/// <summary>What <c>DELETE /api/suppressions/{phone}</c> answers: 200 also when the number was not on the list.</summary>
public sealed record SuppressionRemoved(string Phone, bool Deleted);

/// <summary>Body of <c>POST /api/hooks/campaign-completed</c>: what Power Platform sends when a flow with the trigger is saved.</summary>
public sealed record SubscribeCampaignCompletedRequest
{
    public string? CallbackUrl { get; init; }

    /// <summary>Only campaigns of this agent.</summary>
    public string? ModelId { get; init; }
}

/// <summary>The campaign contracts' serializer (the same options as <see cref="ConnectorJson"/>, its own context).</summary>
public static class CampaignApiJson
{
    public static CampaignApiJsonContext Context { get; } = new(ConnectorJson.CreateOptions());
}

[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(CreateCampaignRequest))]
[JsonSerializable(typeof(CampaignCreated))]
[JsonSerializable(typeof(CampaignDetails))]
[JsonSerializable(typeof(CampaignList))]
[JsonSerializable(typeof(CampaignRecipientPage))]
[JsonSerializable(typeof(SuppressNumberRequest))]
[JsonSerializable(typeof(SuppressNumbersRequest))]
[JsonSerializable(typeof(SuppressedNumber))]
[JsonSerializable(typeof(SuppressedNumberList))]
[JsonSerializable(typeof(SuppressNumbersResult))]
[JsonSerializable(typeof(SuppressionRemoved))]
[JsonSerializable(typeof(SubscribeCampaignCompletedRequest))]
public sealed partial class CampaignApiJsonContext : JsonSerializerContext;

/// <summary>
/// Reads an object of text values, taking numbers and booleans as their JSON text (a flow's Select over a table may
/// produce them); nested objects and arrays are refused, naming the property.
/// </summary>
public sealed class LenientTextDictionaryConverter : JsonConverter<IReadOnlyDictionary<string, string?>>
{
    public override IReadOnlyDictionary<string, string?>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Expected an object of text values.");
        }

        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader.GetString()!;
            reader.Read();
            values[name] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString(),
                JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
                JsonTokenType.True => "true",
                JsonTokenType.False => "false",
                JsonTokenType.Null => null,
                _ => throw new JsonException($"'{name}' must be text, a number or a boolean."),
            };
        }

        return values;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, string?> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        foreach (var (name, text) in value)
        {
            writer.WriteString(name, text);
        }

        writer.WriteEndObject();
    }
}
