using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace SynthflowConnector.Sandbox;

// Reading requests as the upstream framework does: JSON bodies, strings and arrays in them, and query parameters
// (paging, integers, booleans), each failure a ready 400.
public sealed partial class SynthflowSandbox
{
    private const int DefaultLimit = 20;
    private const int MaxLimit = 100;

    private static JsonElement? ParseObject(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? RequiredString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()
            : null;

    private static string[]? ReadStringArray(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array && element.EnumerateArray().All(item => item.ValueKind == JsonValueKind.String && item.GetString()!.Length > 0)
            ? [.. element.EnumerateArray().Select(item => item.GetString()!)]
            : null;

    /// <summary><c>limit</c> (default 20, clamped to 1..100) and <c>offset</c> (default 0, never negative).</summary>
    private static bool TryReadPage(IQueryCollection query, out int limit, out int offset, [NotNullWhen(false)] out SandboxReply? error)
    {
        limit = DefaultLimit;
        offset = 0;
        if (!TryReadLong(query, "limit", out var requestedLimit, out error) || !TryReadLong(query, "offset", out var requestedOffset, out error))
        {
            return false;
        }

        if (requestedOffset < 0)
        {
            error = SandboxReply.BadRequest("offset must not be negative.");
            return false;
        }

        limit = requestedLimit is { } l ? (int)Math.Clamp(l, 1, MaxLimit) : DefaultLimit;
        offset = (int)Math.Min(requestedOffset ?? 0, int.MaxValue);
        return true;
    }

    private static bool TryReadLong(IQueryCollection query, string name, out long? value, [NotNullWhen(false)] out SandboxReply? error)
    {
        value = null;
        error = null;
        if (!query.TryGetValue(name, out var values))
        {
            return true;
        }

        if (long.TryParse(values.ToString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            value = parsed;
            return true;
        }

        error = SandboxReply.BadRequest($"{name} must be an integer.");
        return false;
    }

    /// <summary>Booleans as the upstream framework reads them: true/false, 1/0, yes/no, on/off.</summary>
    private static bool TryReadBool(IQueryCollection query, string name, out bool? value, [NotNullWhen(false)] out SandboxReply? error)
    {
        value = null;
        error = null;
        if (!query.TryGetValue(name, out var values))
        {
            return true;
        }

        switch (values.ToString().ToUpperInvariant())
        {
            case "TRUE" or "1" or "YES" or "ON":
                value = true;
                return true;
            case "FALSE" or "0" or "NO" or "OFF":
                value = false;
                return true;
            default:
                error = SandboxReply.BadRequest($"{name} must be a boolean.");
                return false;
        }
    }
}
