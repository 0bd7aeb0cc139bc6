using System.Text.Json;
using System.Text.Json.Serialization;

namespace SynthflowConnector.Hooks;

/// <summary>
/// The JSON of the hook queues' messages (camelCase, nulls left out): what <see cref="StorageHookQueues"/> writes and
/// what a queue handler (the Host's <see cref="HookQueueProcessor"/>, a Functions QueueTrigger) reads.
/// </summary>
public static class HookQueueMessages
{
    public static BinaryData Serialize(CallEventMessage message) => BinaryData.FromObjectAsJson(message, HookStorageJsonContext.Default.CallEventMessage);

    public static BinaryData Serialize(DeliveryMessage message) => BinaryData.FromObjectAsJson(message, HookStorageJsonContext.Default.DeliveryMessage);

    /// <exception cref="JsonException">Not a call-event message.</exception>
    public static CallEventMessage ReadCallEvent(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var message = body.ToObjectFromJson(HookStorageJsonContext.Default.CallEventMessage);
        return message is { CallId.Length: > 0, Status.Length: > 0 } ? message : throw new JsonException("A call-event message needs callId and status.");
    }

    /// <exception cref="JsonException">Not a delivery message.</exception>
    public static DeliveryMessage ReadDelivery(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var message = body.ToObjectFromJson(HookStorageJsonContext.Default.DeliveryMessage);
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
