using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SynthflowConnector.Hooks;

/// <summary>
/// The trigger's JSON: camelCase, nulls written as <c>null</c> (a missing upstream field is <c>null</c> in the event),
/// relaxed escaping (no <c>\u002B</c> for the <c>+</c> of a phone number). Delivery bodies, stored events and queue
/// messages all use it.
/// </summary>
public static class HookJson
{
    public static HookJsonContext Context { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>A delivery body (UTF-8 JSON).</summary>
    public static byte[] SerializeEvent(CallEndedEvent callEnded) =>
        JsonSerializer.SerializeToUtf8Bytes(callEnded, Context.CallEndedEvent);

    public static CallEndedEvent? DeserializeEvent(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize(json, Context.CallEndedEvent);
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CallEndedEvent))]
[JsonSerializable(typeof(StoredCallEvent))]
[JsonSerializable(typeof(HookSubscription))]
[JsonSerializable(typeof(PlacedCall))]
[JsonSerializable(typeof(CallEventMessage))]
[JsonSerializable(typeof(DeliveryMessage))]
[JsonSerializable(typeof(DeliveryFailure))]
public sealed partial class HookJsonContext : JsonSerializerContext;
