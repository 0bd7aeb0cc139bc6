using System.Net;
using System.Text.Json;

namespace SynthflowConnector.Synthflow;

/// <summary>Base of every failure talking to Synthflow.</summary>
public abstract class SynthflowException : Exception
{
    private protected SynthflowException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>The client operation, e.g. <c>attach-phone-numbers</c>.</summary>
    public required string Operation { get; init; }
}

/// <summary>Synthflow answered with an error status. Carries what its error body said, whichever of its three shapes.</summary>
public sealed class SynthflowApiException : SynthflowException
{
    private SynthflowApiException(string message)
        : base(message)
    {
    }

    public required HttpStatusCode StatusCode { get; init; }

    /// <summary>Synthflow's error category (<c>detail.category</c>, or <c>error</c> of the gateway shape).</summary>
    public string? Category { get; init; }

    /// <summary>Synthflow's human-readable description.</summary>
    public string? Description { get; init; }

    /// <summary>Synthflow's request id, for its support.</summary>
    public string? RequestId { get; init; }

    /// <summary><c>Retry-After</c> if Synthflow sent one (it documents none).</summary>
    public TimeSpan? RetryAfter { get; init; }

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    internal static SynthflowApiException FromResponse(string operation, HttpStatusCode status, ReadOnlySpan<byte> body, TimeSpan? retryAfter)
    {
        var (category, description, requestId) = ParseErrorBody(body);
        var message = status == HttpStatusCode.Unauthorized
            ? "Synthflow answered 401: API key rejected or wrong region (a workspace lives in one region; the others answer 401)."
            : $"Synthflow answered {(int)status} to {operation}: {description ?? status.ToString()}";
        if (requestId is not null)
        {
            message += $" (request id {requestId})";
        }

        return new SynthflowApiException(message)
        {
            Operation = operation,
            StatusCode = status,
            Category = category,
            Description = description,
            RequestId = requestId,
            RetryAfter = retryAfter,
        };
    }

    /// <summary>
    /// Reads <c>{"detail":{status,description,request_id,category}}</c>, <c>{"detail":"Not Found"}</c> and the
    /// gateway's <c>{"error","message"}</c>; anything else becomes a short description. Never throws.
    /// </summary>
    internal static (string? Category, string? Description, string? RequestId) ParseErrorBody(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return (null, null, null);
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("detail", out var detail))
                {
                    if (detail.ValueKind == JsonValueKind.Object)
                    {
                        return (Text(detail, "category"), Text(detail, "description") ?? Text(detail, "status"), Text(detail, "request_id"));
                    }

                    if (detail.ValueKind == JsonValueKind.String)
                    {
                        return (null, detail.GetString(), null);
                    }

                    // FastAPI validation errors put a list here.
                    return ("validation_error", Truncate(detail.GetRawText()), null);
                }

                if (root.TryGetProperty("error", out _) || root.TryGetProperty("message", out _))
                {
                    return (Text(root, "error"), Text(root, "message"), Text(root, "request_id"));
                }
            }

            return (null, Truncate(root.GetRawText()), null);
        }
        catch (JsonException)
        {
            return (null, Truncate(System.Text.Encoding.UTF8.GetString(body)), null);
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => value.GetRawText(),
        } : null;

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";
}

/// <summary>
/// No answer from Synthflow: the attempt timed out or the connection failed. For <c>POST /calls</c> the outcome is
/// <b>unknown</b>: the call may have been placed.
/// </summary>
public sealed class SynthflowTransportException : SynthflowException
{
    internal SynthflowTransportException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when an attempt's timeout expired, false for a connection failure.</summary>
    public required bool IsTimeout { get; init; }
}

/// <summary>A setting the operation needs is missing; nothing was sent.</summary>
public sealed class SynthflowConfigurationException(string message) : InvalidOperationException(message);
