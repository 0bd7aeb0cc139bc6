using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using SynthflowConnector.Storage;

namespace SynthflowConnector.Hooks;

/// <summary>The tables of the call-ended trigger (in <c>AzureWebJobsStorage</c>, beside the app's other tables).</summary>
public static class HookTables
{
    public const string Subscriptions = "HookSubscriptions";
    public const string CallEvents = "CallEvents";
    public const string PlacedCalls = "PlacedCalls";
    public const string Failures = "HookFailures";
}

/// <summary>One subscription: PartitionKey = event, RowKey = id.</summary>
internal sealed class HookSubscriptionEntity : ITableEntity
{
    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Id { get; set; } = string.Empty;
    public string Event { get; set; } = string.Empty;
    public string CallbackUrl { get; set; } = string.Empty;
    public string? ModelId { get; set; }

    /// <summary>JSON array, or null for every status.</summary>
    public string? Statuses { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public static HookSubscriptionEntity From(HookSubscription subscription) => new()
    {
        PartitionKey = HookKeys.Escape(subscription.Event),
        RowKey = subscription.Id,
        Id = subscription.Id,
        Event = subscription.Event,
        CallbackUrl = subscription.CallbackUrl.OriginalString,
        ModelId = subscription.ModelId,
        Statuses = subscription.Statuses is { Count: > 0 } statuses
            ? JsonSerializer.Serialize(statuses, HookStorageJsonContext.Default.IReadOnlyListString)
            : null,
        CreatedAt = subscription.CreatedAt,
    };

    public HookSubscription ToModel() => new()
    {
        Id = Id,
        Event = Event,
        CallbackUrl = new Uri(CallbackUrl, UriKind.Absolute),
        ModelId = ModelId,
        Statuses = Statuses is { Length: > 0 } statuses ? JsonSerializer.Deserialize(statuses, HookStorageJsonContext.Default.IReadOnlyListString) : null,
        CreatedAt = CreatedAt,
    };
}

/// <summary>
/// A placed call: its record in <see cref="RecordPartition"/> (one of 256 by the call id's hash), and while it is open a
/// copy in <see cref="Open"/>; RowKey = escaped call id in both.
/// </summary>
internal sealed class PlacedCallEntity : ITableEntity
{
    public const string Open = "open";

    /// <summary>
    /// <c>call-</c> + the row key's <see cref="TableKeys.Bucket"/>: a 256th of the calls each. (One partition holding
    /// every call ever placed made each write to it a scan of that partition on Azurite.)
    /// </summary>
    public static string RecordPartition(string rowKey) => TableKeys.Bucket("call-", TableKeys.Digest(rowKey));

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string CallId { get; set; } = string.Empty;
    public string ModelId { get; set; } = string.Empty;
    public DateTimeOffset PlacedAt { get; set; }
    public string? IdempotencyKey { get; set; }
    public string? ForwardUrl { get; set; }
    public string? ToPhoneNumber { get; set; }
    public string? FromPhoneNumber { get; set; }
    public string? PacingSlotId { get; set; }

    public static PlacedCallEntity From(PlacedCall placed, string partition) => new()
    {
        PartitionKey = partition,
        RowKey = HookKeys.Escape(placed.CallId),
        CallId = placed.CallId,
        ModelId = placed.ModelId,
        PlacedAt = placed.PlacedAt,
        IdempotencyKey = placed.IdempotencyKey,
        ForwardUrl = placed.ForwardUrl?.OriginalString,
        ToPhoneNumber = placed.ToPhoneNumber,
        FromPhoneNumber = placed.FromPhoneNumber,
        PacingSlotId = placed.PacingSlotId,
    };

    public PlacedCall ToModel() => new()
    {
        CallId = CallId,
        ModelId = ModelId,
        PlacedAt = PlacedAt,
        IdempotencyKey = IdempotencyKey,
        ForwardUrl = ForwardUrl is { Length: > 0 } url ? new Uri(url, UriKind.Absolute) : null,
        ToPhoneNumber = ToPhoneNumber,
        FromPhoneNumber = FromPhoneNumber,
        PacingSlotId = PacingSlotId,
    };
}

/// <summary>A delivery that gave up: PartitionKey <see cref="Partition"/>, RowKey newest first (inverted ticks) + id.</summary>
internal sealed class DeliveryFailureEntity : ITableEntity
{
    public const string Partition = "failures";

    public string PartitionKey { get; set; } = string.Empty;
    public string RowKey { get; set; } = string.Empty;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    public string Id { get; set; } = string.Empty;

    /// <summary>The <see cref="DeliveryMessage"/> as JSON.</summary>
    public string Delivery { get; set; } = string.Empty;

    public string? TargetHost { get; set; }
    public int? LastStatusCode { get; set; }
    public string Reason { get; set; } = string.Empty;
    public DateTimeOffset FailedAt { get; set; }

    public static DeliveryFailureEntity From(DeliveryFailure failure) => new()
    {
        PartitionKey = Partition,
        RowKey = HookKeys.NewestFirst(failure.FailedAt) + "-" + HookKeys.Escape(failure.Id),
        Id = failure.Id,
        Delivery = JsonSerializer.Serialize(failure.Delivery, HookStorageJsonContext.Default.DeliveryMessage),
        TargetHost = failure.TargetHost,
        LastStatusCode = failure.LastStatusCode,
        Reason = failure.Reason,
        FailedAt = failure.FailedAt,
    };

    public DeliveryFailure ToModel() => new()
    {
        Id = Id,
        Delivery = JsonSerializer.Deserialize(Delivery, HookStorageJsonContext.Default.DeliveryMessage)
            ?? throw new JsonException("The failure's delivery is empty."),
        TargetHost = TargetHost,
        LastStatusCode = LastStatusCode,
        Reason = Reason,
        FailedAt = FailedAt,
    };
}
