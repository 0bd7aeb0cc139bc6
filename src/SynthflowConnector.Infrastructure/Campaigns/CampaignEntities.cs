using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Data.Tables;
using SynthflowConnector.Calls;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Campaigns;

/// <summary>The campaigns' tables (in <c>AzureWebJobsStorage</c>, beside the app's other tables).</summary>
public static class CampaignTables
{
    public const string Campaigns = "Campaigns";
    public const string Recipients = "CampaignRecipients";
    public const string Suppressions = "Suppressions";
}

/// <summary>A campaign: PartitionKey <see cref="Partition"/>, RowKey = id.</summary>
internal sealed class CampaignEntity : ITableEntity
{
    public const string Partition = "campaigns";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string ModelId { get; set; } = string.Empty;
    public string Name { get; set; } = string.Empty;
    public string State { get; set; } = string.Empty;
    public string? CallerIdStrategy { get; set; }
    public string HoursStart { get; set; } = string.Empty;
    public string HoursEnd { get; set; } = string.Empty;
    public string HoursDays { get; set; } = string.Empty;
    public string? DefaultTimezone { get; set; }
    public int RetryMaxAttempts { get; set; }
    public long RetryMinSpacingTicks { get; set; }
    public string RetryOn { get; set; } = string.Empty;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartAt { get; set; }
    public int RecipientCount { get; set; }
    public string? IdempotencyKey { get; set; }
    public string? RequestHash { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public bool CompletionQueued { get; set; }

    public static CampaignEntity From(Campaign campaign) => new()
    {
        RowKey = campaign.Id,
        ETag = campaign.ETag is { } etag ? new ETag(etag) : default,
        ModelId = campaign.ModelId,
        Name = campaign.Name,
        State = campaign.State.ToName(),
        CallerIdStrategy = campaign.CallerIdStrategy?.ToName(),
        HoursStart = campaign.CallingHours.StartText,
        HoursEnd = campaign.CallingHours.EndText,
        HoursDays = string.Join(',', campaign.CallingHours.Days.ToNames()),
        DefaultTimezone = campaign.DefaultTimezone,
        RetryMaxAttempts = campaign.Retry.MaxAttempts,
        RetryMinSpacingTicks = campaign.Retry.MinSpacing.Ticks,
        RetryOn = string.Join(',', campaign.Retry.On),
        CreatedAt = campaign.CreatedAt,
        StartAt = campaign.StartAt,
        RecipientCount = campaign.RecipientCount,
        IdempotencyKey = campaign.IdempotencyKey,
        RequestHash = campaign.RequestHash,
        CompletedAt = campaign.CompletedAt,
        CompletionQueued = campaign.CompletionQueued,
    };

    public Campaign ToModel() => new()
    {
        Id = RowKey,
        ModelId = ModelId,
        Name = Name,
        State = CampaignNames.TryParseCampaignState(State, out var state) ? state.Value : throw new JsonException($"Unknown campaign state '{State}'."),
        CallerIdStrategy = CallerIdStrategies.TryParse(CallerIdStrategy, out var strategy) ? strategy : null,
        CallingHours = CallingHours.Parse(HoursStart, HoursEnd, HoursDays.Split(',')).Value ?? CallingHours.Default,
        DefaultTimezone = DefaultTimezone,
        Retry = new CampaignRetryPolicy
        {
            MaxAttempts = RetryMaxAttempts,
            MinSpacing = TimeSpan.FromTicks(RetryMinSpacingTicks),
            On = RetryOn.Length == 0 ? [] : RetryOn.Split(','),
        },
        CreatedAt = CreatedAt,
        StartAt = StartAt,
        RecipientCount = RecipientCount,
        IdempotencyKey = IdempotencyKey,
        RequestHash = RequestHash,
        CompletedAt = CompletedAt,
        CompletionQueued = CompletionQueued,
        ETag = ETag.ToString(),
    };
}

/// <summary>The Idempotency-Key index: PartitionKey <see cref="Partition"/>, RowKey = escaped key, naming the campaign.</summary>
internal sealed class CampaignKeyEntity : ITableEntity
{
    public const string Partition = "idempotency";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string CampaignId { get; set; } = string.Empty;
}

/// <summary>
/// A recipient: PartitionKey = campaign id + <c>$</c> + the index's block of <see cref="PerPartition"/> (3 digits),
/// RowKey = row index zero-padded to 5 digits. A campaign's recipients are the partitions from <c>{id}$</c> up to
/// (not including) <c>{id}%</c>: no other campaign's, since a campaign id never holds <c>$</c> or <c>%</c>
/// (<see cref="HookKeys.IsPlainKey"/>).
/// </summary>
/// <remarks>
/// Why blocks: a point read or write costs what the service must search to find the row. Azure Table storage finds it
/// by key, but Azurite (LokiJS) scans the row's partition, so 10,000 recipients in one partition made every recipient
/// update cost a 10,000-row scan (59% of Azurite's CPU in a 10,000-recipient campaign). Blocks of 200 keep it small
/// everywhere, and 100-row creation transactions never straddle two partitions.
/// </remarks>
internal sealed class RecipientEntity : ITableEntity
{
    /// <summary>Recipients per partition; a multiple of the 100 a table transaction takes.</summary>
    public const int PerPartition = 200;

    private const char BlockSeparator = '$';

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Phone { get; set; } = string.Empty;
    public string Name { get; set; } = string.Empty;

    /// <summary>JSON object of name → value, or null.</summary>
    public string? CustomVariables { get; set; }

    public string? LeadTimezone { get; set; }
    public string TimeZoneId { get; set; } = string.Empty;
    public string State { get; set; } = string.Empty;
    public int Attempts { get; set; }

    /// <summary>Comma-separated (Synthflow call ids have no commas).</summary>
    public string? CallIds { get; set; }

    public string? LastStatus { get; set; }
    public DateTimeOffset? NextAttemptAt { get; set; }
    public string? SkippedReason { get; set; }

    public static string Key(int index) => index.ToString("D5", CultureInfo.InvariantCulture);

    /// <summary>The partition of recipient <paramref name="index"/> of campaign <paramref name="campaignId"/>.</summary>
    public static string Partition(string campaignId, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{campaignId}{BlockSeparator}{index / PerPartition:D3}");

    /// <summary>An OData filter for every recipient of the campaign (all its partitions).</summary>
    public static string CampaignFilter(string campaignId) =>
        TableClient.CreateQueryFilter($"PartitionKey ge {campaignId + BlockSeparator} and PartitionKey lt {campaignId + (char)(BlockSeparator + 1)}");

    public static RecipientEntity From(CampaignRecipient recipient) => new()
    {
        PartitionKey = Partition(recipient.CampaignId, recipient.Index),
        RowKey = Key(recipient.Index),
        ETag = recipient.ETag is { } etag ? new ETag(etag) : default,
        Phone = recipient.Phone,
        Name = recipient.Name,
        CustomVariables = recipient.CustomVariables is { Count: > 0 } variables
            ? JsonSerializer.Serialize(variables.ToDictionary(v => v.Key, v => v.Value), CampaignStorageJson.Default.DictionaryStringString)
            : null,
        LeadTimezone = recipient.LeadTimezone,
        TimeZoneId = recipient.TimeZoneId,
        State = recipient.State.ToName(),
        Attempts = recipient.Attempts,
        CallIds = recipient.CallIds.Count == 0 ? null : string.Join(',', recipient.CallIds),
        LastStatus = recipient.LastStatus,
        NextAttemptAt = recipient.NextAttemptAt,
        SkippedReason = recipient.SkippedReason,
    };

    public CampaignRecipient ToModel() => new()
    {
        CampaignId = PartitionKey[..PartitionKey.LastIndexOf(BlockSeparator)],
        Index = int.Parse(RowKey, NumberStyles.None, CultureInfo.InvariantCulture),
        Phone = Phone,
        Name = Name,
        CustomVariables = CustomVariables is { Length: > 0 } json
            ? JsonSerializer.Deserialize(json, CampaignStorageJson.Default.DictionaryStringString)!.Select(p => new CustomVariable { Key = p.Key, Value = p.Value }).ToList()
            : null,
        LeadTimezone = LeadTimezone,
        TimeZoneId = TimeZoneId,
        State = CampaignNames.TryParseRecipientState(State, out var state) ? state.Value : throw new JsonException($"Unknown recipient state '{State}'."),
        Attempts = Attempts,
        CallIds = CallIds is { Length: > 0 } ids ? ids.Split(',') : [],
        LastStatus = LastStatus,
        NextAttemptAt = NextAttemptAt,
        SkippedReason = SkippedReason,
        ETag = ETag.ToString(),
    };
}

/// <summary>A suppressed number: PartitionKey <see cref="Partition"/>, RowKey = E.164.</summary>
internal sealed class SuppressionEntity : ITableEntity
{
    public const string Partition = "numbers";

    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string? Reason { get; set; }
    public DateTimeOffset AddedAt { get; set; }

    public Suppression ToModel() => new() { Phone = RowKey, Reason = Reason, AddedAt = AddedAt };
}

[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class CampaignStorageJson : JsonSerializerContext;
