using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using SynthflowConnector.PhoneNumbers;

namespace SynthflowConnector.Http;

/// <summary>Collects field errors; a request with any is refused before anything leaves the app.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public ProblemResult ToProblem() => Problems.Validation(_errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal));

    /// <summary>Required E.164 number.</summary>
    public string? PhoneNumber(string field, string? value, bool required = true)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (required)
            {
                Add(field, $"'{field}' is required: a phone number in E.164 form, e.g. +14155550123.");
            }

            return null;
        }

        if (!E164.IsValid(value))
        {
            Add(field, $"'{field}' must be an E.164 phone number: '+', then 7 to 15 digits, e.g. +14155550123.");
            return null;
        }

        return value;
    }

    /// <summary>Optional bounded text without control characters (other than line breaks where allowed).</summary>
    public string? Text(string field, string? value, int maxLength, bool required = false, bool multiline = false)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                Add(field, $"'{field}' is required.");
            }

            return null;
        }

        if (value.Length > maxLength)
        {
            Add(field, $"'{field}' must be at most {maxLength} characters.");
        }
        else if (value.Any(c => char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t')))
        {
            Add(field, $"'{field}' must not contain control characters.");
        }

        return value;
    }
}

/// <summary>The rules for identifiers and bodies, shared by every action.</summary>
public static class ConnectorValidation
{
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxIdentifierLength = 64;
    private static readonly SearchValues<char> IdentifierChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:");

    /// <summary>
    /// An agent id (Synthflow uses UUIDs): letters, digits and <c>-_.:</c>, at most 64, never <c>..</c>. Anything that
    /// could change a URL path or a table key is refused.
    /// </summary>
    public static bool IsSafeIdentifier(string? value) =>
        !string.IsNullOrEmpty(value)
        && value.Length <= MaxIdentifierLength
        && !value.AsSpan().ContainsAnyExcept(IdentifierChars)
        && !value.Contains("..", StringComparison.Ordinal)
        && value != ".";

    public static void ModelId(FieldErrors errors, string? modelId, string field = "modelId")
    {
        if (string.IsNullOrEmpty(modelId))
        {
            errors.Add(field, $"'{field}' is required: the agent's id from Synthflow.");
        }
        else if (!IsSafeIdentifier(modelId))
        {
            errors.Add(field, $"'{field}' must be an agent id of at most {MaxIdentifierLength} letters, digits, '-', '_', '.' or ':'.");
        }
    }

    /// <summary>Synthflow's slug: the number's digits without '+'.</summary>
    public static bool IsSlug(string? slug) => slug is { Length: >= 7 and <= 15 } && slug.All(char.IsAsciiDigit);

    public static void Slug(FieldErrors errors, string? slug, string field = "slug")
    {
        if (!IsSlug(slug))
        {
            errors.Add(field, $"'{field}' must be a phone number slug: 7 to 15 digits, the number without its '+' (e.g. 14155550123).");
        }
    }

    /// <summary>
    /// Reads a JSON body: 415 unless JSON, 413 over <paramref name="maxBytes"/> (64 KiB unless the action says), 400 when empty or malformed (naming where). Unknown
    /// properties are ignored.
    /// </summary>
    public static async Task<(T? Value, ProblemResult? Problem)> ReadJsonAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken, int maxBytes = MaxBodyBytes)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsJson(request.ContentType))
        {
            return (null, Problems.Create(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "The body must be JSON.", "Send the body with 'Content-Type: application/json'."));
        }

        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await request.Body.ReadAsync(memory, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                return (null, TooLarge(maxBytes));
            }
        }

        if (buffer.WrittenCount == 0)
        {
            return (null, Problems.Field("body", "A JSON body is required."));
        }

        try
        {
            var value = JsonSerializer.Deserialize(buffer.WrittenSpan, typeInfo);
            return value is null ? (null, Problems.Field("body", "The body must be a JSON object.")) : (value, null);
        }
        catch (JsonException exception)
        {
            var where = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? "body" : exception.Path.TrimStart('$', '.');
            var line = exception.LineNumber is { } l ? $" (line {l + 1}, position {exception.BytePositionInLine + 1})" : string.Empty;
            return (null, Problems.Field(where, $"The body is not valid JSON for this action at '{where}'{line}."));
        }
    }

    private static ProblemResult TooLarge(int maxBytes) =>
        Problems.Create(StatusCodes.Status413PayloadTooLarge, "payload-too-large", "The body is too large.", $"Bodies are limited to {maxBytes / 1024} KiB.");

    private static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }

        var mediaType = contentType.Split(';', 2)[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }
}
