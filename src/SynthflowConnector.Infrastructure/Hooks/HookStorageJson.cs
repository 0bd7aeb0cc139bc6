using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SynthflowConnector.Hooks;

/// <summary>
/// The JSON of the hook queues' messages (camelCase, nulls left out, non-ASCII kept as is): what
/// <see cref="StorageHookQueues"/> writes and what a queue handler (the Host's <see cref="HookQueueProcessor"/>, a
/// Functions QueueTrigger) reads.
/// </summary>
public static class HookQueueMessages
{
    /// <summary>
    /// The largest message written with its <see cref="DeliveryMessage.Event"/>: 45 KiB of JSON is 60 KiB in base64,
    /// under the service's 64 KiB per message. A larger one is written without the event (the delivery reads it).
    /// </summary>
    public const int MaxMessageBytes = 45 * 1024;

    private static readonly HookStorageJsonContext Json = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public static BinaryData Serialize(CallEventMessage message) => BinaryData.FromObjectAsJson(message, Json.CallEventMessage);

    /// <summary>With the event it carries when that fits in <see cref="MaxMessageBytes"/>, else without it.</summary>
    public static BinaryData Serialize(DeliveryMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var body = BinaryData.FromObjectAsJson(message, Json.DeliveryMessage);
        return message.Event is null || body.ToMemory().Length <= MaxMessageBytes
            ? body
            : BinaryData.FromObjectAsJson(message with { Event = null }, Json.DeliveryMessage);
    }

    /// <exception cref="JsonException">Not a call-event message.</exception>
    public static CallEventMessage ReadCallEvent(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var message = body.ToObjectFromJson(Json.CallEventMessage);
        return message is { CallId.Length: > 0, Status.Length: > 0 } ? message : throw new JsonException("A call-event message needs callId and status.");
    }

    /// <exception cref="JsonException">Not a delivery message.</exception>
    public static DeliveryMessage ReadDelivery(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var message = body.ToObjectFromJson(Json.DeliveryMessage);
        return message is { CallId.Length: > 0, Status.Length: > 0 } ? message : throw new JsonException("A delivery message needs callId and status.");
    }

    /// <inheritdoc cref="ReadCallEvent(BinaryData)"/>
    public static CallEventMessage ReadCallEvent(string body) => ReadCallEvent(BinaryData.FromString(body));

    /// <inheritdoc cref="ReadDelivery(BinaryData)"/>
    public static DeliveryMessage ReadDelivery(string body) => ReadDelivery(BinaryData.FromString(body));
}

/// <summary>The stores' and queues' JSON: camelCase, nulls left out (a missing property reads back as null).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CallEventMessage))]
[JsonSerializable(typeof(DeliveryMessage))]
[JsonSerializable(typeof(CallEndedEvent))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class HookStorageJsonContext : JsonSerializerContext;
