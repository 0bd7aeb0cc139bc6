using System.Text.Json.Serialization;

namespace SynthflowConnector.Sandbox;

/// <summary>
/// Everything the sandbox writes (the shapes in SandboxWire.cs), snake_case as Synthflow writes it. Request bodies are
/// read as raw JSON instead, so malformed ones can be answered the way Synthflow answers them.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(WireStatus))]
[JsonSerializable(typeof(WireAssistantList))]
[JsonSerializable(typeof(WireAssistant))]
[JsonSerializable(typeof(WireNumberList))]
[JsonSerializable(typeof(WireNumberDetails))]
[JsonSerializable(typeof(WireCallPlaced))]
[JsonSerializable(typeof(WireCallList))]
[JsonSerializable(typeof(WireCall))]
[JsonSerializable(typeof(WireDetailError))]
[JsonSerializable(typeof(WirePlainDetail))]
[JsonSerializable(typeof(WireGatewayError))]
internal sealed partial class SandboxJsonContext : JsonSerializerContext;
