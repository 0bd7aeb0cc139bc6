using System.Text.Json;
using System.Text.Json.Serialization;
using SynthflowConnector.Synthflow;

namespace SynthflowConnector.Sandbox;

/// <summary>What the sandbox writes: Synthflow's envelopes (snake_case, as the client reads them) and the shapes only the sandbox writes.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(AssistantsEnvelope))]
[JsonSerializable(typeof(NumbersEnvelope))]
[JsonSerializable(typeof(CallsEnvelope))]
[JsonSerializable(typeof(CallCreatedEnvelope))]
[JsonSerializable(typeof(StatusEnvelope))]
[JsonSerializable(typeof(PlaceCallRequest))]
[JsonSerializable(typeof(AttachByNumbersBody))]
[JsonSerializable(typeof(AttachBySlugsBody))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(SandboxAssistantEnvelope))]
[JsonSerializable(typeof(SandboxPhoneNumberDetails))]
[JsonSerializable(typeof(SandboxDetailError))]
[JsonSerializable(typeof(SandboxPlainDetail))]
[JsonSerializable(typeof(SandboxGatewayError))]
internal sealed partial class SandboxJsonContext : JsonSerializerContext;
